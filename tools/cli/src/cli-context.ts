import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * What a command may touch of the outside world. `main` builds it from the process; tests pass
 * their own to capture output and choose the environment.
 */
export interface CliContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Reads all of standard input (for `-f -`). */
  readStdin(): Promise<string>;
}

/** A user-facing failure: printed as `error: <message>`, exit code 1. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

export function processContext(): CliContext {
  return {
    env: process.env,
    cwd: process.cwd(),
    stdout: (text) => {
      process.stdout.write(text);
    },
    stderr: (text) => {
      process.stderr.write(text);
    },
    readStdin: async () => fs.readFileSync(0, 'utf8'),
  };
}

/** `$KASTRA_HOME`, default `./.kastra`, resolved against the working directory. */
export function kastraHome(ctx: CliContext): string {
  return path.resolve(ctx.cwd, ctx.env.KASTRA_HOME || '.kastra');
}

/** `--server`, else KASTRA_SERVER, else the gateway's default HTTP address. */
export function serverUrl(ctx: CliContext, flag: string | undefined): string {
  const url = flag || ctx.env.KASTRA_SERVER || 'http://127.0.0.1:8080';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`server "${url}" is not a URL such as http://127.0.0.1:8080`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CliError(`server "${url}" must be an http:// or https:// URL`);
  }
  return url.replace(/\/+$/, '');
}
