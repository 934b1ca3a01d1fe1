/** The two roles of the gateway: `admin` may do everything, `user` is limited by the gateway. */
export type Role = 'admin' | 'user';

export const ROLES: readonly Role[] = ['admin', 'user'];

/** Who made a request, as proven by a verified token. */
export interface Principal {
  sub: string;
  role: Role;
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
