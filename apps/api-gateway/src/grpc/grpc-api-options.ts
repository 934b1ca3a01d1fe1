import { ensureDevelopmentCertificate, type TlsMaterial } from '@kastra/auth';
import { bindAddressOf, loadConfig } from '@kastra/config';

/** Where and how the gRPC API listens. */
export interface GrpcApiOptions {
  /** TCP port; 0 picks a free one (tests). @default GRPC_PORT, else 50051 */
  port: number;
  /** Address to bind (KASTRA_BIND). @default 127.0.0.1 */
  host: string;
  /** How long in-flight calls may finish on shutdown before the server cuts them. @default 5000 */
  shutdownGraceMs: number;
  /**
   * The certificate served (the HTTPS one: KASTRA_TLS_*, else the development certificate of
   * KASTRA_HOME); undefined serves plaintext (KASTRA_GRPC_PLAINTEXT=true).
   */
  tls: TlsMaterial | undefined;
}

export const GRPC_API_OPTIONS = 'GRPC_API_OPTIONS';

export const DEFAULT_GRPC_PORT = 50051;
export const DEFAULT_SHUTDOWN_GRACE_MS = 5000;

/** Port, address and grace period from the environment (nothing read from disk). */
export function grpcListenOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): Omit<GrpcApiOptions, 'tls'> {
  const raw = env.GRPC_PORT?.trim();
  const port = raw ? Number(raw) : DEFAULT_GRPC_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`GRPC_PORT must be a TCP port number (0-65535), not "${raw}"`);
  }
  const bind = bindAddressOf(env);
  // gRPC addresses are host:port, so an IPv6 address goes in brackets.
  return { port, host: bind.includes(':') && !bind.startsWith('[') ? `[${bind}]` : bind, shutdownGraceMs: DEFAULT_SHUTDOWN_GRACE_MS };
}

/**
 * Whether KASTRA_GRPC_PLAINTEXT asks for plaintext gRPC (`true`/`1`; `false`/`0`/unset: TLS).
 * Anything else is refused rather than guessed, as a typo must not turn TLS off.
 */
export function grpcPlaintextOf(env: NodeJS.ProcessEnv = process.env): boolean {
  const raw = env.KASTRA_GRPC_PLAINTEXT?.trim().toLowerCase() ?? '';
  if (raw === '' || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new Error(`KASTRA_GRPC_PLAINTEXT must be true or false, not "${env.KASTRA_GRPC_PLAINTEXT}"`);
}

/**
 * The TLS material of the gRPC port: the same as HTTPS (KASTRA_TLS_CERT/KEY[/CA], else the
 * development certificate in $KASTRA_HOME/tls/, generated on first use), or undefined when
 * KASTRA_GRPC_PLAINTEXT=true.
 */
export function grpcTlsFromEnv(env: NodeJS.ProcessEnv = process.env): TlsMaterial | undefined {
  if (grpcPlaintextOf(env)) return undefined;
  return ensureDevelopmentCertificate(loadConfig(0, env).homeDir, { env });
}

export function grpcApiOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): GrpcApiOptions {
  return { ...grpcListenOptionsFromEnv(env), tls: grpcTlsFromEnv(env) };
}
