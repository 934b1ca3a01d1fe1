// End-to-end tests run the services as real processes from dist/: compile first.
module.exports = async () => {
  require('../../../tools/scripts/build.js');
};
