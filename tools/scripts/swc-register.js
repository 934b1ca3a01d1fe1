// `node -r ./tools/scripts/swc-register.js file.ts`: runs TypeScript straight from source (test
// child processes, scripts) with the same swc options as the build and Jest.
const swc = require('@swc/core');
const { swcOptions } = require('./swc-options');

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const { code } = swc.transformFileSync(filename, { ...swcOptions(), filename, sourceMaps: 'inline' });
  module._compile(code, filename);
};
