import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliError, type CliContext } from './cli-context';
import { LlmCatalog, upgradeManifestText, type FileUpgrade } from './migrate-manifests';
import { unifiedDiff } from './migrate-unified-diff';

export interface MigrateManifestsOptions {
  /** Folder the upgraded manifests are written to (the same relative paths). */
  output?: string;
  /** Overwrite the files that change. */
  write?: boolean;
  /** Inline models become LLM manifests and refs. */
  extractLlms?: boolean;
}

const MANIFEST_FILE = /\.ya?ml$/i;
const SKIPPED_DIRS = new Set(['node_modules', '.git']);

/**
 * `kastra migrate manifests <dir|file>`: upgrades manifests of older shapes to the current
 * version. The unified diff goes to stdout (a patch `git apply` takes); what changed, what was
 * left and what the API server would still refuse go to stderr. Nothing is written without
 * `--write` (in place) or `-o DIR`. Returns false when a document is still invalid or a file
 * could not be read as YAML.
 */
export async function migrateManifestsCommand(target: string, options: MigrateManifestsOptions, ctx: CliContext): Promise<boolean> {
  if (options.write && options.output) throw new CliError('--write and -o exclude each other: change the files in place, or write the upgraded ones elsewhere');
  const full = path.resolve(ctx.cwd, target);
  if (!fs.existsSync(full)) throw new CliError(`the path "${target}" does not exist`);
  const isDirectory = fs.statSync(full).isDirectory();
  const files = isDirectory ? manifestFiles(full) : [full];
  if (files.length === 0) throw new CliError(`no .yaml or .yml files under "${target}"`);
  const output = options.output && path.resolve(ctx.cwd, options.output);
  if (output && isDirectory && (output === full || output.startsWith(`${full}${path.sep}`))) {
    throw new CliError('-o must be outside the folder being upgraded (--write changes the files in place)');
  }

  const texts = files.map((file) => fs.readFileSync(file, 'utf8'));
  const catalog = new LlmCatalog();
  for (const text of texts) {
    try {
      catalog.addExisting(text);
    } catch {
      // Not YAML: upgradeManifestText reports it.
    }
  }
  const shown = (file: string) => path.relative(ctx.cwd, file) || path.basename(file);
  const upgrades = files.map((file, i) => upgradeManifestText(texts[i], shown(file), catalog, options));

  for (const upgrade of upgrades) ctx.stdout(unifiedDiff(upgrade.before, upgrade.after, `a/${upgrade.source}`, `b/${upgrade.source}`));
  for (const upgrade of upgrades) for (const line of reportLines(upgrade)) ctx.stderr(`${line}\n`);

  const written = writeUpgrades(files, upgrades, full, isDirectory, options, ctx);
  const documents = upgrades.flatMap((u) => u.documents);
  const upgraded = documents.filter((d) => d.changes.length > 0).length;
  const refused = documents.filter((d) => d.causes.length > 0).length;
  const unreadable = upgrades.filter((u) => u.error).length;
  const changedFiles = upgrades.filter((u) => u.after !== u.before).length;
  const where = options.write ? `${written} file${written === 1 ? '' : 's'} rewritten` : options.output ? `${written} file${written === 1 ? '' : 's'} written to ${options.output}` : 'nothing written (--write changes the files, -o DIR writes them elsewhere)';
  ctx.stderr(
    `${documents.length} document${documents.length === 1 ? '' : 's'} in ${files.length} file${files.length === 1 ? '' : 's'}: ${upgraded} upgraded (${changedFiles} file${changedFiles === 1 ? '' : 's'} changed), ${refused} still refused by the API server${unreadable ? `, ${unreadable} file${unreadable === 1 ? '' : 's'} not read` : ''}; ${where}\n`,
  );
  return refused === 0 && unreadable === 0;
}

/** The summary of one file: each change, each thing left as it was, each field still refused. */
export function reportLines(upgrade: FileUpgrade): string[] {
  if (upgrade.error) return [`not read      ${upgrade.source}: ${upgrade.error}: left as is`];
  const lines: string[] = [];
  for (const document of upgrade.documents) {
    const where = `${upgrade.source}: ${document.label}`;
    for (const change of document.changes) lines.push(`upgraded      ${where}: ${change.field}: ${change.detail}`);
    for (const note of document.notes) lines.push(`left          ${where}: ${note}`);
    for (const cause of document.causes) lines.push(`still invalid ${where}: ${cause.field || '(object)'}: ${cause.message}`);
  }
  return lines;
}

function writeUpgrades(files: string[], upgrades: FileUpgrade[], target: string, isDirectory: boolean, options: MigrateManifestsOptions, ctx: CliContext): number {
  let written = 0;
  if (options.write) {
    upgrades.forEach((upgrade, i) => {
      if (upgrade.after === upgrade.before) return;
      fs.writeFileSync(files[i], upgrade.after);
      written++;
    });
  } else if (options.output) {
    const output = path.resolve(ctx.cwd, options.output);
    upgrades.forEach((upgrade, i) => {
      const destination = path.join(output, isDirectory ? path.relative(target, files[i]) : path.basename(files[i]));
      fs.mkdirSync(path.dirname(destination), { recursive: true });
      fs.writeFileSync(destination, upgrade.after);
      written++;
    });
  }
  return written;
}

function manifestFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return SKIPPED_DIRS.has(entry.name) || entry.name.startsWith('.') ? [] : manifestFiles(full);
      return MANIFEST_FILE.test(entry.name) ? [full] : [];
    });
}
