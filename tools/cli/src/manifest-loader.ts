import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Resource } from '@kastra/api';
import { CliError, type CliContext } from './cli-context';

/** A manifest and where it came from, for error messages. */
export interface Manifest {
  resource: Resource;
  source: string;
}

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

/**
 * Every document of every `-f` path: files, directories (recursively, `.yaml`/`.yml`/`.json`,
 * in name order) or `-` for standard input. `kind: List` is expanded. All are parsed and checked
 * before anything is sent, so one bad document changes nothing.
 */
export async function loadManifests(paths: string[], ctx: CliContext): Promise<Manifest[]> {
  if (paths.length === 0) throw new CliError('must give at least one -f FILE|DIR');
  const manifests: Manifest[] = [];
  for (const given of paths) {
    if (given === '-') {
      manifests.push(...parseManifests(await ctx.readStdin(), 'stdin'));
      continue;
    }
    const full = path.resolve(ctx.cwd, given);
    if (!fs.existsSync(full)) throw new CliError(`the path "${given}" does not exist`);
    const files = fs.statSync(full).isDirectory() ? manifestFiles(full) : [full];
    for (const file of files) manifests.push(...parseManifests(fs.readFileSync(file, 'utf8'), path.relative(ctx.cwd, file) || file));
  }
  if (manifests.length === 0) throw new CliError('no objects passed to apply');
  return manifests;
}

function manifestFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return manifestFiles(full);
      return MANIFEST_FILE.test(entry.name) ? [full] : [];
    });
}

/** The objects of one multi-document YAML (or JSON) text. */
export function parseManifests(text: string, source: string): Manifest[] {
  const manifests: Manifest[] = [];
  parseAllDocuments(text).forEach((document, index) => {
    const where = `${source} (document ${index + 1})`;
    if ('errors' in document && document.errors.length > 0) {
      throw new CliError(`${where} is not valid YAML: ${document.errors[0].message}`);
    }
    const value: unknown = document.toJS();
    if (value === null || value === undefined) return;
    const items = isObject(value) && value.kind === 'List' && Array.isArray(value.items) ? value.items : [value];
    for (const item of items) manifests.push({ resource: checkShape(item, where), source: where });
  });
  return manifests;
}

function checkShape(value: unknown, where: string): Resource {
  if (!isObject(value)) throw new CliError(`${where} is not an object`);
  for (const field of ['apiVersion', 'kind'] as const) {
    if (typeof value[field] !== 'string' || value[field] === '') throw new CliError(`${where}: ${field} is required`);
  }
  const metadata = value.metadata;
  if (!isObject(metadata) || typeof metadata.name !== 'string' || metadata.name === '') {
    throw new CliError(`${where}: metadata.name is required`);
  }
  if (metadata.namespace !== undefined && typeof metadata.namespace !== 'string') {
    throw new CliError(`${where}: metadata.namespace must be a string`);
  }
  return value as unknown as Resource;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
