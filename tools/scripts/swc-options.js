// One swc configuration for the build and for Jest. `paths` turns the `@kastra/*`
// aliases of tsconfig.base.json into relative requires, so dist/ runs with plain node.
const path = require('node:path');
const tsconfig = require('../../tsconfig.base.json');

const root = path.resolve(__dirname, '../..');

function swcOptions() {
  return {
    sourceMaps: true,
    module: { type: 'commonjs' },
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      keepClassNames: true,
      baseUrl: root,
      paths: tsconfig.compilerOptions.paths,
    },
  };
}

module.exports = { swcOptions, root };
