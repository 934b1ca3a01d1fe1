import * as path from 'node:path';
import type { ExampleManifest } from './example-manifests';
import { controllerModulePath, pluginProcess, pluginRbac, stackPluginsOf } from './stack-plugins';

const root = '/repo';
const manifest = (controller: Record<string, unknown>, owns: unknown[] = [{ apiGroup: 'mastra.ai', kind: 'DataSource', plural: 'datasources' }]): ExampleManifest => ({
  file: 'examples/plugins/datasource/plugin.yaml',
  apiVersion: 'mastra.ai/v1',
  kind: 'Plugin',
  name: 'datasource',
  namespace: 'default',
  yaml: JSON.stringify({ apiVersion: 'mastra.ai/v1', kind: 'Plugin', metadata: { name: 'datasource' }, spec: { controller, owns } }),
  waitForReady: true,
});
const options = { root, logDir: '/home/.kastra/logs', gatewayUrl: 'http://127.0.0.1:8080', token: 'plugin-token' };

describe('running a plugin under npm start', () => {
  const saved = process.env.DATABASE_URL;
  beforeAll(() => (process.env.DATABASE_URL = 'postgres://user:pw@db/kastra'));
  afterAll(() => (process.env.DATABASE_URL = saved));

  it('finds Plugin manifests among the examples, with their directory', () => {
    const [plugin] = stackPluginsOf([manifest({ module: './controller.ts' }), { ...manifest({}), kind: 'Agent' }], root);
    expect(plugin).toMatchObject({ name: 'datasource', dir: '/repo/examples/plugins/datasource' });
  });

  it('runs a TypeScript module from dist/ and a JavaScript one as written', () => {
    const [plugin] = stackPluginsOf([manifest({ module: './controller.ts' })], root);
    expect(controllerModulePath(plugin, './controller.ts', root)).toBe(path.join('/repo/dist/examples/plugins/datasource/controller.js'));
    expect(controllerModulePath(plugin, './bin/run.js', root)).toBe('/repo/examples/plugins/datasource/bin/run.js');
  });

  it('gives the process the gateway, its own token and its env — nothing else of the stack (no database URL)', () => {
    const [plugin] = stackPluginsOf([manifest({ module: './controller.ts', args: ['--fast'], env: [{ name: 'DATASOURCE_READ_PORT', value: '8090' }] })], root);
    const service = pluginProcess(plugin, options);
    expect(service).toMatchObject({ name: 'plugin/datasource', command: process.execPath, logFile: '/home/.kastra/logs/plugin-datasource.log' });
    expect(service.args).toEqual(['--enable-source-maps', '/repo/dist/examples/plugins/datasource/controller.js', '--fast']);
    expect(service.env).toMatchObject({ KASTRA_API_URL: 'http://127.0.0.1:8080', KASTRA_TOKEN: 'plugin-token', KASTRA_PLUGIN_NAME: 'datasource', DATASOURCE_READ_PORT: '8090' });
    expect(service.env?.DATABASE_URL).toBeUndefined();
  });

  it('lets KASTRA_PLUGIN_<NAME>_<VAR> replace a variable the manifest declares, and no other', () => {
    // Given the stack's environment overriding the read port and trying to add a variable the manifest does not declare
    const [plugin] = stackPluginsOf([manifest({ module: './controller.ts', env: [{ name: 'DATASOURCE_READ_PORT', value: '8090' }] })], root);
    process.env.KASTRA_PLUGIN_DATASOURCE_DATASOURCE_READ_PORT = '40123';
    process.env.KASTRA_PLUGIN_DATASOURCE_DATABASE_URL = 'postgres://leak';
    try {
      // When the process is made, Then the declared variable takes the override and nothing else is added
      const service = pluginProcess(plugin, options);
      expect(service.env?.DATASOURCE_READ_PORT).toBe('40123');
      expect(service.env?.DATABASE_URL).toBeUndefined();
    } finally {
      delete process.env.KASTRA_PLUGIN_DATASOURCE_DATASOURCE_READ_PORT;
      delete process.env.KASTRA_PLUGIN_DATASOURCE_DATABASE_URL;
    }
  });

  it('runs an image under docker passing variables by name, so the token is not on the command line', () => {
    const [plugin] = stackPluginsOf([manifest({ image: 'ghcr.io/acme/ds:1', env: [{ name: 'KASTRA_TOKEN', value: 'overridden?' }] })], root);
    const service = pluginProcess(plugin, options);
    expect(service.command).toBe('docker');
    expect(service.args.join(' ')).not.toContain('plugin-token');
    expect(service.args).toEqual(expect.arrayContaining(['run', '--rm', '--network', 'host', '-e', 'KASTRA_TOKEN', 'ghcr.io/acme/ds:1']));
    // the manifest cannot replace the identity the stack gives it
    expect(service.env?.KASTRA_TOKEN).toBe('plugin-token');
  });

  it('generates rights over the owned kinds, and refuses a plugin owning a built-in kind', () => {
    const [plugin] = stackPluginsOf([manifest({ module: './c.js' })], root);
    expect(pluginRbac(plugin).map((object) => `${object.kind}/${object.metadata.name}`)).toEqual(['ClusterRole/system:plugin:datasource', 'ClusterRoleBinding/system:plugin:datasource']);
    const [greedy] = stackPluginsOf([manifest({ module: './c.js' }, [{ apiGroup: 'mastra.ai', kind: 'Secret', plural: 'secrets' }])], root);
    expect(() => pluginRbac(greedy)).toThrow(/custom kinds only/);
  });
});
