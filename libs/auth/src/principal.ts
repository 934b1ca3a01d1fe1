/** The roles of tokens issued before groups existed; `admin` maps to the group `system:masters`. */
export type Role = 'admin' | 'user';

export const ROLES: readonly Role[] = ['admin', 'user'];

/** Members may do anything (bound to cluster-admin, and never subject to RBAC escalation checks), as in Kubernetes. */
export const SYSTEM_MASTERS = 'system:masters';
/** Every principal with a valid token is in this group; discovery and self-reviews are bound to it. */
export const SYSTEM_AUTHENTICATED = 'system:authenticated';

/** Who made a request, as proven by a verified token: a user name and the groups it belongs to. */
export interface Principal {
  sub: string;
  groups: string[];
}

/** What a token is issued for: groups, or (as older callers say it) a role. */
export interface PrincipalClaims {
  sub: string;
  groups?: string[];
  /** `admin` adds `system:masters`; `user` adds nothing. */
  role?: Role;
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** The groups a legacy role claim stands for. */
export function groupsOfRole(role: Role | undefined): string[] {
  return role === 'admin' ? [SYSTEM_MASTERS] : [];
}

/** The principal of verified claims: their groups plus system:authenticated, each once. */
export function authenticatedPrincipal(sub: string, groups: readonly string[]): Principal {
  return { sub, groups: [...new Set([...groups, SYSTEM_AUTHENTICATED])] };
}
