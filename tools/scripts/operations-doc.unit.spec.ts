import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '../..');
const VARIABLE = /\bKASTRA_[A-Z0-9_]*[A-Z0-9]\b/g;
/**
 * A variable as the code reads it: `env.KASTRA_X`, or the string 'KASTRA_X' — except a string that
 * is a constant's whole value (`const PG_POOL = 'KASTRA_PG_POOL'`: a Nest injection token).
 */
const READ_VARIABLE = /(?:env\.|(?<!const \w+ = )['"`])(KASTRA_[A-Z0-9_]*[A-Z0-9])\b/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|js)$/.test(name) && !/\.spec\.ts$/.test(name) && !path.includes('/testing/') && !path.includes('/test/') ? [path] : [];
  });
}

/** Every KASTRA_* variable the code reads (tests and test helpers excluded), with where. */
function variablesInCode(): Map<string, string> {
  const found = new Map<string, string>();
  for (const root of ['apps', 'libs', 'tools']) {
    for (const file of sourceFiles(join(ROOT, root))) {
      for (const [, name] of readFileSync(file, 'utf8').matchAll(READ_VARIABLE)) if (!found.has(name)) found.set(name, relative(ROOT, file));
    }
  }
  return found;
}

/** operations.md lists the variables, and hands a service's own settings to its page. */
const CONFIGURATION_PAGES = ['docs/operations.md', 'docs/llm-proxy.md', 'docs/workflows.md'];

describe('the configuration docs and the code name the same KASTRA_* variables', () => {
  const documented = new Set(CONFIGURATION_PAGES.flatMap((page) => readFileSync(join(ROOT, page), 'utf8').match(VARIABLE) ?? []));
  const inCode = variablesInCode();

  it('documents every variable the code reads', () => {
    const undocumented = [...inCode].filter(([name]) => !documented.has(name)).map(([name, file]) => `${name} (${file})`);
    expect(undocumented).toEqual([]);
  });

  it('documents no variable that nothing reads', () => {
    expect([...documented].filter((name) => !inCode.has(name))).toEqual([]);
  });
});
