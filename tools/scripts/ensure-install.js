#!/usr/bin/env node
// Runs before `npm start` and `npm test`: on a fresh clone installs the locked dependencies.
// `npm install` rather than `npm ci`: this registry mirror serves no @swc/core binaries for other
// platforms, so the lock file cannot list them and `npm ci` refuses it as out of sync.
const fs = require('node:fs');
const path = require('node:path');
const { execSync } = require('node:child_process');

const root = path.resolve(__dirname, '../..');
const marker = path.join(root, 'node_modules', '.package-lock.json');
const lock = path.join(root, 'package-lock.json');
if (!fs.existsSync(marker) || fs.statSync(marker).mtimeMs < fs.statSync(lock).mtimeMs) {
  console.log('kastra: installing dependencies (npm install from package-lock.json)...');
  execSync('npm install --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
}
