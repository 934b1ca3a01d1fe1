// Unit tests (*.unit.spec.ts) need nothing; integration (*.int.spec.ts) and end-to-end
// (*.e2e.spec.ts) tests use the real Postgres and NATS (DATABASE_URL / NATS_URL), each run on
// its own database and stream names.
const { swcOptions } = require('./tools/scripts/swc-options');
const tsconfig = require('./tsconfig.base.json');

const moduleNameMapper = Object.fromEntries(
  Object.entries(tsconfig.compilerOptions.paths).map(([alias, [target]]) => [`^${alias}$`, `<rootDir>/${target}`]),
);
const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', swcOptions()] },
  moduleNameMapper,
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};

module.exports = {
  // Integration and end-to-end tests start real processes and wait on real services.
  testTimeout: 120000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,tools,infra,examples/plugins}/**/*.unit.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs,tools,infra,examples/plugins}/**/*.int.spec.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/{apps,libs,tools,test}/**/*.e2e.spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/build-before-e2e.js',
    },
  ],
};
