#!/usr/bin/env node
// `npm run sdk:pack`: builds @kastra/sdk (libs/sdk) into a package that needs nothing from this
// repository and packs it as dist/kastra-sdk-<version>.tgz:
//   1. regenerates libs/sdk/src/resources/resource-types.generated.ts from the kinds' schemas;
//   2. bundles libs/sdk/src/index.ts and the monorepo libraries it uses (esbuild) into
//      dist/index.cjs, every npm package left external, and an ES module entry re-exporting it;
//   3. emits the declarations (tsc) of the SDK and of the monorepo files its types reach into
//      dist/types/, the @kastra/* aliases rewritten to relative paths; dist/index.d.ts points at them;
//   4. checks that every package the bundle and its declarations import is a dependency in
//      libs/sdk/package.json (at the version the repository installs), then `npm pack`s it.
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { builtinModules } = require('node:module');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '../..');
const sdkDir = path.join(root, 'libs/sdk');
const stage = path.join(root, 'dist/sdk-package');
const out = path.join(stage, 'dist');
const manifest = JSON.parse(fs.readFileSync(path.join(sdkDir, 'package.json'), 'utf8'));
const rootManifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

function step(message) {
  process.stdout.write(`sdk:pack: ${message}\n`);
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const BUILTINS = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)]);

function isBuiltin(specifier) {
  return BUILTINS.has(specifier) || specifier.startsWith('node:') || BUILTINS.has(specifier.split('/')[0]);
}

async function main() {
  fs.rmSync(stage, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });

  step('resource types from the kinds\' schemas');
  execFileSync(process.execPath, ['-r', './tools/scripts/swc-register.js', '-e', `
    const fs = require('node:fs');
    const { resourceTypesSource } = require('./libs/sdk/src/resources/resource-type-generator.ts');
    fs.writeFileSync('libs/sdk/src/resources/resource-types.generated.ts', resourceTypesSource());
  `], { cwd: root, stdio: 'inherit' });

  step('bundling dist/index.cjs');
  // Every bare import but the monorepo's own @kastra/* aliases stays an import of an npm package.
  // Imports are taken to have no side effects, so a library module the SDK does not use (the
  // NATS model client, the Postgres memory, the telemetry of services) is left out, with the
  // packages only it imports.
  const externalPackages = {
    name: 'external-packages',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith('@kastra/')) return undefined;
        return { path: args.path, external: true, sideEffects: false };
      });
    },
  };
  const noSideEffects = {
    name: 'monorepo-modules-without-side-effects',
    setup(build) {
      build.onResolve({ filter: /^(\.|@kastra\/)/ }, async (args) => {
        if (args.pluginData === 'resolving') return undefined;
        const resolved = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'resolving' });
        if (resolved.errors.length > 0 || resolved.external) return resolved;
        return { ...resolved, sideEffects: false };
      });
    },
  };
  const result = await esbuild.build({
    entryPoints: [path.join(sdkDir, 'src/index.ts')],
    outfile: path.join(out, 'index.cjs'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    keepNames: true,
    tsconfig: path.join(root, 'tsconfig.json'),
    plugins: [externalPackages, noSideEffects],
    metafile: true,
    logLevel: 'warning',
  });
  const bundleText = fs.readFileSync(path.join(out, 'index.cjs'), 'utf8');
  const imported = new Set();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const entry of output.imports) if (entry.external && !isBuiltin(entry.path)) imported.add(packageOf(entry.path));
  }
  // Packages found at run time (require.resolve of the script sandbox's QuickJS files).
  for (const match of bundleText.matchAll(/require\.resolve\(["']([^"']+)["']\)/g)) if (!isBuiltin(match[1])) imported.add(packageOf(match[1]));

  step('ES module entry dist/index.mjs');
  const names = Object.keys(require(path.join(out, 'index.cjs'))).filter((name) => name !== 'default' && name !== '__esModule').sort();
  fs.writeFileSync(
    path.join(out, 'index.mjs'),
    [
      '// The ES module entry of @kastra/sdk: the CommonJS build, re-exported (one instance of the SDK whichever way it is loaded).',
      "import { createRequire } from 'node:module';",
      "const sdk = createRequire(import.meta.url)('./index.cjs');",
      `export const { ${names.join(', ')} } = sdk;`,
      'export default sdk;',
      '',
    ].join('\n'),
  );

  step('declarations dist/index.d.ts');
  for (const specifier of emitDeclarations()) if (!isBuiltin(specifier)) imported.add(packageOf(specifier));

  step('checking the dependencies');
  const declared = { ...(manifest.dependencies ?? {}), ...(manifest.peerDependencies ?? {}) };
  const missing = [...imported].filter((name) => !(name in declared)).sort();
  if (missing.length > 0) {
    const installed = { ...rootManifest.dependencies, ...rootManifest.devDependencies };
    const lines = missing.map((name) => `  "${name}": "${installed[name] ?? '?'}"`);
    throw new Error(`the bundle imports packages libs/sdk/package.json does not list as dependencies:\n${lines.join(',\n')}`);
  }
  const unused = Object.keys(manifest.dependencies ?? {}).filter((name) => !imported.has(name));
  if (unused.length > 0) step(`note: dependencies the bundle does not import: ${unused.join(', ')}`);

  const packageJson = {
    ...manifest,
    main: './dist/index.cjs',
    module: './dist/index.mjs',
    types: './dist/index.d.ts',
    exports: {
      '.': {
        import: { types: './dist/index.d.mts', default: './dist/index.mjs' },
        require: { types: './dist/index.d.ts', default: './dist/index.cjs' },
      },
      './package.json': './package.json',
    },
    files: ['dist', 'README.md'],
    sideEffects: false,
  };
  delete packageJson.private;
  fs.writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(packageJson, null, 2)}\n`);
  fs.copyFileSync(path.join(root, 'docs/sdk.md'), path.join(stage, 'README.md'));

  step('npm pack');
  const tarballName = `kastra-sdk-${manifest.version}.tgz`;
  fs.rmSync(path.join(root, 'dist', tarballName), { force: true });
  execFileSync('npm', ['pack', '--silent', '--pack-destination', path.join(root, 'dist')], { cwd: stage, stdio: ['ignore', 'ignore', 'inherit'] });
  step(`wrote dist/${tarballName}`);
}

/**
 * tsc's declarations of libs/sdk/src/index.ts and everything it imports, into a scratch folder;
 * the files the SDK's declarations reach (through relative imports and the @kastra/* aliases,
 * rewritten to relative paths) are copied to dist/types/. Answers the bare imports they keep.
 */
function emitDeclarations() {
  const scratch = path.join(root, 'dist/sdk-declarations');
  fs.rmSync(scratch, { recursive: true, force: true });
  const tsconfigPath = path.join(root, 'dist/tsconfig.sdk-declarations.json');
  fs.writeFileSync(
    tsconfigPath,
    JSON.stringify({
      extends: '../tsconfig.base.json',
      compilerOptions: { declaration: true, emitDeclarationOnly: true, noEmit: false, sourceMap: false, outDir: './sdk-declarations', rootDir: '..', types: ['node'] },
      files: ['../libs/sdk/src/index.ts'],
    }),
  );
  try {
    execFileSync(path.join(root, 'node_modules/.bin/tsc'), ['-p', tsconfigPath], { cwd: root, stdio: 'inherit' });
  } finally {
    fs.rmSync(tsconfigPath, { force: true });
  }
  const aliases = require(path.join(root, 'tsconfig.base.json')).compilerOptions.paths;
  const typesDir = path.join(out, 'types');
  const bare = new Set();
  const seen = new Set();
  const pending = ['libs/sdk/src/index.d.ts'];
  const SPECIFIER = /((?:from|import)\s*\(?\s*)(["'])([^"']+)\2/g;
  while (pending.length > 0) {
    const rel = pending.pop();
    if (seen.has(rel)) continue;
    seen.add(rel);
    const source = fs.readFileSync(path.join(scratch, rel), 'utf8');
    const rewritten = source.replace(SPECIFIER, (whole, lead, quote, specifier) => {
      let target;
      if (specifier.startsWith('.')) target = path.posix.normalize(path.posix.join(path.posix.dirname(rel), specifier));
      else if (aliases[specifier]) target = aliases[specifier][0].replace(/\.ts$/, '');
      else {
        bare.add(specifier);
        return whole;
      }
      const file = fs.existsSync(path.join(scratch, `${target}.d.ts`)) ? `${target}.d.ts` : `${target}/index.d.ts`;
      pending.push(file);
      let relative = path.posix.relative(path.posix.dirname(rel), file.replace(/\.d\.ts$/, ''));
      if (!relative.startsWith('.')) relative = `./${relative}`;
      return `${lead}${quote}${relative}${quote}`;
    });
    fs.mkdirSync(path.dirname(path.join(typesDir, rel)), { recursive: true });
    fs.writeFileSync(path.join(typesDir, rel), rewritten);
  }
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.writeFileSync(path.join(out, 'index.d.ts'), "export * from './types/libs/sdk/src/index';\n");
  fs.writeFileSync(path.join(out, 'index.d.mts'), "export * from './index.js';\n");
  return bare;
}

main().catch((error) => {
  console.error(`sdk:pack failed: ${error.message}`);
  process.exit(1);
});
