import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real /usr/bin/kubectl, pointed at one gateway through a kubeconfig of its own. */
export interface Kubectl {
  kubeconfig: string;
  run(args: string[]): Promise<KubectlResult>;
  /** Starts kubectl without waiting (for `get -w`). */
  spawn(args: string[]): ChildProcess;
}

/**
 * Writes `<home>/kubeconfig` for https://127.0.0.1:<httpsPort> with the development CA of `home`
 * and `token`. kubectl caches discovery under $HOME/.kube, so HOME is the test's home too.
 */
export function createKubectl(options: { home: string; httpsPort: number; token: string; timeoutMs?: number }): Kubectl {
  const kubeconfig = path.join(options.home, 'kubeconfig');
  fs.writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: kastra',
      '  cluster:',
      `    server: https://127.0.0.1:${options.httpsPort}`,
      `    certificate-authority: ${path.join(options.home, 'tls', 'ca.crt')}`,
      'users:',
      '- name: admin',
      '  user:',
      `    token: ${options.token}`,
      'contexts:',
      '- name: kastra',
      '  context: {cluster: kastra, user: admin}',
      'current-context: kastra',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, HOME: options.home, KUBECONFIG: kubeconfig };
  const withConfig = (args: string[]) => ['--kubeconfig', kubeconfig, ...args];
  return {
    kubeconfig,
    run: (args) =>
      new Promise((resolve) => {
        execFile('/usr/bin/kubectl', withConfig(args), { env, timeout: options.timeoutMs ?? 90_000 }, (error, stdout, stderr) => {
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
        });
      }),
    spawn: (args) => spawn('/usr/bin/kubectl', withConfig(args), { env, stdio: ['ignore', 'pipe', 'pipe'] }),
  };
}
