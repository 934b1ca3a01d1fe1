import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { ManifestSyntaxError } from '../errors/kastra-errors';
import type { RuntimeResource } from '../resources/runtime-resource';
import { parseManifests } from './parse-manifests';

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/**
 * The manifests of a file, or of every `.yaml` / `.yml` / `.json` file under a folder (sub-folders
 * included, in name order, so a folder loads the same way each time).
 */
export async function readManifestFiles(path: string): Promise<RuntimeResource[]> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new ManifestSyntaxError(`cannot read it: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, path);
  }
  if (!info.isDirectory()) return parseManifests(await readFile(path, 'utf8'), path);
  const manifests: RuntimeResource[] = [];
  for (const file of await manifestFilesUnder(path)) manifests.push(...parseManifests(await readFile(file, 'utf8'), file));
  return manifests;
}

async function manifestFilesUnder(folder: string): Promise<string[]> {
  const entries = (await readdir(folder, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const files: string[] = [];
  for (const entry of entries) {
    const full = join(folder, entry.name);
    if (entry.isDirectory()) files.push(...(await manifestFilesUnder(full)));
    else if (entry.isFile() && MANIFEST_EXTENSIONS.has(extname(entry.name).toLowerCase())) files.push(full);
  }
  return files;
}
