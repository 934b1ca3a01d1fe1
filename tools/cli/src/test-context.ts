import type { CliContext } from './cli-context';

/** A CliContext that records output, for the CLI's tests. */
export function recordingContext(env: NodeJS.ProcessEnv, cwd: string, stdin = ''): CliContext & { out: string; err: string } {
  const ctx = {
    env,
    cwd,
    out: '',
    err: '',
    stdout: (text: string) => void (ctx.out += text),
    stderr: (text: string) => void (ctx.err += text),
    readStdin: async () => stdin,
  };
  return ctx;
}
