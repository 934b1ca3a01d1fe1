import { stringify } from 'yaml';
import { JwtAuthority, KUBECONFIG_TOKEN_TTL, ensureDevelopmentCertificate, loadDevelopmentSecrets } from '@kastra/auth';
import { kastraHome, serverUrl, type CliContext } from './cli-context';

export const DEFAULT_KUBECONFIG_SERVER = 'https://127.0.0.1:8443';
const NAME = 'kastra';
const USER = 'kastra-admin';

export interface KubeconfigInput {
  server: string;
  caPem: string;
  token: string;
}

/** A kubeconfig with one cluster, one user and one current context, all named for Kastra. */
export function buildKubeconfig(input: KubeconfigInput): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: NAME, cluster: { server: input.server, 'certificate-authority-data': Buffer.from(input.caPem).toString('base64') } },
    ],
    users: [{ name: USER, user: { token: input.token } }],
    contexts: [{ name: NAME, context: { cluster: NAME, user: USER, namespace: 'default' } }],
    'current-context': NAME,
    preferences: {},
  });
}

/** `kastra kubeconfig [--server URL]`: kubectl's access to the gateway, with a year-long admin token. */
export function kubeconfigCommand(options: { server?: string }, ctx: CliContext): void {
  const home = kastraHome(ctx);
  const server = serverUrl(ctx, options.server ?? DEFAULT_KUBECONFIG_SERVER);
  const { ca } = ensureDevelopmentCertificate(home, { env: ctx.env });
  const authority = new JwtAuthority(loadDevelopmentSecrets(home, { env: ctx.env }).jwtSecret);
  const token = authority.issue({ sub: USER, role: 'admin' }, KUBECONFIG_TOKEN_TTL);
  ctx.stdout(buildKubeconfig({ server, caPem: ca, token }));
}
