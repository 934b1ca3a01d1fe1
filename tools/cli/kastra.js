#!/usr/bin/env node
// The `kastra` command: compiles what changed (tools/scripts/build.js, incremental) and runs the
// CLI from dist/, so a fresh clone needs no separate build step.
const path = require('node:path');

const root = path.resolve(__dirname, '../..');
require(path.join(root, 'tools/scripts/build.js'));
require(path.join(root, 'dist/tools/cli/src/main.js'))
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
