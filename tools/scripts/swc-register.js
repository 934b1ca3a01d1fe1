// `node -r ./tools/scripts/swc-register.js file.ts`: runs TypeScript straight from source (test
// child processes, scripts) with the same swc options as the build and Jest.
const swc = require('@swc/core');
const { swcOptions } = require('./swc-options');

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const { code } = swc.transformFileSync(filename, { ...swcOptions(), filename, sourceMaps: 'inline' });
  module._compile(code, filename);
};

// An extensionless require tries the registered extensions in insertion order, so `.ts` added
// last lost to `.js`, `.json` and `.node`: `require('./price-table')` loaded price-table.json (since renamed price-table.data.json)
// beside price-table.ts (and `export * from './price-table'` re-exported the JSON's keys, leaving
// costOf undefined). TypeScript resolves `.ts` first, as dist/ (.js beside .json) and Jest do:
// re-add the other extensions after `.ts` so the same module graph loads here. Explicit
// `./x.json` requests are untouched and still load through Node's JSON loader.
for (const extension of Object.keys(require.extensions)) {
  if (extension === '.ts') continue;
  const load = require.extensions[extension];
  delete require.extensions[extension];
  require.extensions[extension] = load;
}
