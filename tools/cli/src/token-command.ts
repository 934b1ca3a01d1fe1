import { JwtAuthority, isRole, loadDevelopmentSecrets } from '@kastra/auth';
import { CliError, kastraHome, type CliContext } from './cli-context';

export interface TokenOptions {
  role: string;
  user?: string;
  ttl: string;
}

/** `kastra token --role admin|user [--user NAME] [--ttl 24h]`: a JWT for the gateway. */
export function tokenCommand(options: TokenOptions, ctx: CliContext): void {
  if (!isRole(options.role)) throw new CliError(`--role must be "admin" or "user", not "${options.role}"`);
  const user = options.user ?? options.role;
  const authority = new JwtAuthority(loadDevelopmentSecrets(kastraHome(ctx), { env: ctx.env }).jwtSecret);
  try {
    ctx.stdout(`${authority.issue({ sub: user, role: options.role }, options.ttl)}\n`);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}
