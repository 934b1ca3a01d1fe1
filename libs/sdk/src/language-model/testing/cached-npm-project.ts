import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * A directory outside the repository with `dependencies` installed from the npm registry, kept
 * under os.tmpdir() by name and exact versions, so later runs reuse it. Installed in a staging
 * directory renamed into place when complete: a run never sees a half-installed project, and two
 * runs installing at once both end up with a complete one. Throws with npm's output when the
 * install fails.
 */
export function cachedNpmProject(name: string, dependencies: Record<string, string>): string {
  const key = createHash('sha256').update(JSON.stringify(dependencies)).digest('hex').slice(0, 12);
  const dir = path.join(os.tmpdir(), `kastra-sdk-${name}-${key}`);
  const marker = path.join(dir, '.installed');
  if (fs.existsSync(marker)) return dir;
  const staging = `${dir}.staging-${process.pid}-${Date.now()}`;
  fs.mkdirSync(staging, { recursive: true });
  try {
    fs.writeFileSync(path.join(staging, 'package.json'), JSON.stringify({ name: `kastra-sdk-${name}`, private: true, dependencies }, null, 2));
    const npm = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: staging,
      encoding: 'utf8',
      timeout: 600_000,
      env: withoutNpmRunVariables(process.env),
    });
    if (npm.status !== 0) {
      throw new Error(`npm install of ${Object.entries(dependencies).map(([n, v]) => `${n}@${v}`).join(' ')} failed (${npm.error?.message ?? `exit ${npm.status}`}): ${`${npm.stderr}${npm.stdout}`.trim().slice(-2000)}`);
    }
    fs.writeFileSync(path.join(staging, '.installed'), new Date().toISOString());
    try {
      fs.renameSync(staging, dir);
    } catch (error) {
      // Another run finished first: use its copy.
      if (!fs.existsSync(marker)) throw error;
    }
    return dir;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** The environment without the `npm_*` variables of the npm/npx that started Jest (they would steer this install). */
function withoutNpmRunVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.toLowerCase().startsWith('npm_')));
}
