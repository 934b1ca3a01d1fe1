#!/usr/bin/env node
// Compiles apps/, libs/, tools/, bench/ and examples/plugins/ to dist/ with swc (type checking is `npm run typecheck`).
// Only files newer than their output are compiled again; assets (.proto, .json, .yaml) are copied.
const fs = require('node:fs');
const path = require('node:path');
const swc = require('@swc/core');
const { swcOptions, root } = require('./swc-options');

// examples/plugins: the example plugins' controllers, which npm start runs from dist/.
const SOURCE_DIRS = ['apps', 'libs', 'tools', 'bench', 'examples/plugins'];
const ASSET = /\.(proto|json|yaml|yml)$/;
const TEST = /\.spec\.ts$|\/test\//;

function* walk(dir) {
  if (!fs.existsSync(dir)) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') yield* walk(full);
    } else yield full;
  }
}

function isStale(source, target) {
  return !fs.existsSync(target) || fs.statSync(target).mtimeMs < fs.statSync(source).mtimeMs;
}

let compiled = 0;
for (const dir of SOURCE_DIRS) {
  for (const file of walk(path.join(root, dir))) {
    const rel = path.relative(root, file);
    if (file.endsWith('.ts') && !file.endsWith('.d.ts') && !TEST.test(rel)) {
      const target = path.join(root, 'dist', rel.replace(/\.ts$/, '.js'));
      if (!isStale(file, target)) continue;
      const options = { ...swcOptions(), filename: file, outputPath: target };
      options.sourceMaps = true;
      const out = swc.transformFileSync(file, options);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, `${out.code}\n//# sourceMappingURL=${path.basename(target)}.map`);
      if (out.map) fs.writeFileSync(`${target}.map`, out.map);
      compiled++;
    } else if (ASSET.test(file) && !rel.includes('project.json')) {
      const target = path.join(root, 'dist', rel);
      if (!isStale(file, target)) continue;
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(file, target);
    }
  }
}
if (process.env.KASTRA_BUILD_VERBOSE) console.log(`build: ${compiled} files compiled`);
