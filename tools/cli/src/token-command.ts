import { JwtAuthority, loadDevelopmentSecrets, SYSTEM_MASTERS } from '@kastra/auth';
import { CliError, kastraHome, type CliContext } from './cli-context';
import type { GatewayClient } from './gateway-client';

export interface TokenOptions {
  role?: string;
  user?: string;
  /** Namespaces the user edits: a RoleBinding `<user>-edit` to ClusterRole edit is written in each. */
  namespace?: string[];
  ttl: string;
}

const RBAC = 'rbac.authorization.k8s.io';
/** What the RoleBindings written by `kastra token` are marked with, as their field manager. */
const FIELD_MANAGER = 'kastra-token';

/**
 * `kastra token --role admin [--user NAME]`: a cluster-admin token (group system:masters).
 * `kastra token --user NAME [--namespace NS]...`: a token for NAME, bound to ClusterRole `edit` in
 * each NS by a RoleBinding `NAME-edit` the command writes through the gateway (as an admin).
 * `--role user` (a token without groups or bindings) stays accepted. Every token carries exp.
 */
export async function tokenCommand(options: TokenOptions, ctx: CliContext, gateway: () => GatewayClient): Promise<void> {
  const namespaces = options.namespace ?? [];
  if (options.role !== undefined && options.role !== 'admin' && options.role !== 'user') {
    throw new CliError(`--role must be "admin" or "user", not "${options.role}"`);
  }
  if (options.role === undefined && options.user === undefined) throw new CliError('give --role admin (a cluster-admin token) or --user NAME [--namespace NS]');
  if (options.role === 'admin' && namespaces.length > 0) throw new CliError('--namespace binds a user to edit; an admin token already has every namespace');
  const admin = options.role === 'admin';
  const user = options.user ?? options.role!;
  const authority = new JwtAuthority(loadDevelopmentSecrets(kastraHome(ctx), { env: ctx.env }).jwtSecret);
  let token: string;
  try {
    token = authority.issue({ sub: user, groups: admin ? [SYSTEM_MASTERS] : [] }, options.ttl);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  for (const namespace of namespaces) {
    await bindEdit(gateway(), user, namespace);
    ctx.stderr(`rolebinding.${RBAC}/${user}-edit in namespace ${namespace}: ${user} may edit it\n`);
  }
  ctx.stdout(`${token}\n`);
}

/** Server-side apply of the RoleBinding `<user>-edit` in `namespace` (idempotent). */
async function bindEdit(gateway: GatewayClient, user: string, namespace: string): Promise<void> {
  const name = `${user}-edit`;
  const binding = {
    apiVersion: `${RBAC}/v1`,
    kind: 'RoleBinding',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': FIELD_MANAGER } },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'edit' },
    subjects: [{ kind: 'User', apiGroup: RBAC, name: user }],
  };
  await gateway.request('PATCH', `/apis/${RBAC}/v1/namespaces/${encodeURIComponent(namespace)}/rolebindings/${encodeURIComponent(name)}`, {
    body: JSON.stringify(binding),
    contentType: 'application/apply-patch+yaml',
    query: { fieldManager: FIELD_MANAGER, force: 'true' },
  });
}
