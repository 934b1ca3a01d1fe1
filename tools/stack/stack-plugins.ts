import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import type { Resource } from '@kastra/api';
import { ownedKindsOf, pluginRbacObjects } from '@kastra/rbac';
import type { ExampleManifest } from './example-manifests';
import type { SupervisedService } from './service-supervisor';

/** Where plugins live in the repository: one directory each, with a Plugin manifest. */
export const PLUGINS_DIR = path.join('examples', 'plugins');

/** A Plugin manifest found among the examples, with the directory its paths are relative to. */
export interface StackPlugin {
  name: string;
  /** Absolute directory of the manifest. */
  dir: string;
  object: Resource;
}

interface ControllerSpec {
  module?: string;
  image?: string;
  args?: string[];
  env?: { name: string; value: string }[];
}

/** The Plugin manifests among the loaded examples (kind Plugin, any directory). */
export function stackPluginsOf(manifests: ExampleManifest[], root: string): StackPlugin[] {
  return manifests
    .filter((manifest) => manifest.kind === 'Plugin')
    .map((manifest) => ({ name: manifest.name, dir: path.dirname(path.join(root, manifest.file)), object: parse(manifest.yaml) as Resource }));
}

/**
 * The file node runs for a `module` controller: a `.js` as written; a `.ts` of the repository
 * (the example plugins) as the build compiled it into dist/.
 */
export function controllerModulePath(plugin: StackPlugin, module: string, root: string): string {
  const source = path.resolve(plugin.dir, module);
  if (!source.endsWith('.ts')) return source;
  return path.join(root, 'dist', path.relative(root, source).replace(/\.ts$/, '.js'));
}

export interface PluginProcessOptions {
  root: string;
  logDir: string;
  gatewayUrl: string;
  /** The plugin's own token (system:plugin:<name>). */
  token: string;
}

/**
 * How the supervisor runs a plugin: node on its module, or its image under docker on the host
 * network. The process gets the gateway's URL, its token and the manifest's env, and nothing of
 * the stack's environment beyond PATH and HOME (no database URL, no keys).
 */
export function pluginProcess(plugin: StackPlugin, options: PluginProcessOptions): SupervisedService {
  const controller = ((plugin.object.spec ?? {}) as { controller?: ControllerSpec }).controller ?? {};
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...Object.fromEntries((controller.env ?? []).map((entry) => [entry.name, process.env[pluginEnvOverride(plugin.name, entry.name)] ?? entry.value])),
    KASTRA_API_URL: options.gatewayUrl,
    KASTRA_TOKEN: options.token,
    KASTRA_PLUGIN_NAME: plugin.name,
  };
  const logFile = path.join(options.logDir, `plugin-${plugin.name}.log`);
  const name = `plugin/${plugin.name}`;
  if (controller.module) {
    return { name, command: process.execPath, args: ['--enable-source-maps', controllerModulePath(plugin, controller.module, options.root), ...(controller.args ?? [])], env, logFile };
  }
  if (controller.image) {
    // `-e NAME` passes the value from env: the token never appears on a command line.
    const passed = Object.keys(env).filter((key) => key !== 'PATH' && key !== 'HOME').flatMap((key) => ['-e', key]);
    return { name, command: 'docker', args: ['run', '--rm', '--network', 'host', ...passed, controller.image, ...(controller.args ?? [])], env, logFile };
  }
  throw new Error(`Plugin ${plugin.name}: spec.controller has neither module nor image`);
}

/**
 * `KASTRA_PLUGIN_<NAME>_<VAR>` in the stack's environment replaces the value the manifest gives
 * `<VAR>` (a port taken on this machine, say); only variables the manifest declares can be set so.
 */
export function pluginEnvOverride(plugin: string, variable: string): string {
  return `KASTRA_PLUGIN_${`${plugin}_${variable}`.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** The ClusterRole and binding giving the plugin's identity its kinds (and nothing else). */
export function pluginRbac(plugin: StackPlugin): Resource[] {
  return pluginRbacObjects(plugin.name, ownedKindsOf(plugin.object)) as unknown as Resource[];
}

/** Whether a module controller has been built (a `.ts` needs npm run build). */
export function pluginBuilt(service: SupervisedService): boolean {
  return service.command !== process.execPath || fs.existsSync(service.args[1]);
}
