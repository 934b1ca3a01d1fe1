import { pluginPrincipal } from '@kastra/api';
import type { JwtAuthority } from './jwt-authority';

/** Lifetime of a plugin's token; `npm start` issues a new one each time it runs. */
export const PLUGIN_TOKEN_TTL = '30d';

/**
 * A token for plugin `name`: user `system:plugin:<name>` in no group of its own (every token is in
 * system:authenticated, which gives discovery). What it may do is exactly what RBAC binds to that
 * user: the ClusterRole of the plugin's kinds (`pluginRbacObjects` of @kastra/rbac).
 */
export function issuePluginToken(authority: JwtAuthority, name: string, ttl: string | number = PLUGIN_TOKEN_TTL): string {
  return authority.issue({ sub: pluginPrincipal(name), groups: [] }, ttl);
}
