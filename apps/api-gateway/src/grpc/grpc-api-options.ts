import { bindAddressOf } from '@kastra/config';

/** Where the gRPC API listens. */
export interface GrpcApiOptions {
  /** TCP port; 0 picks a free one (tests). @default GRPC_PORT, else 50051 */
  port: number;
  /** Address to bind (KASTRA_BIND). @default 127.0.0.1 */
  host: string;
  /** How long in-flight calls may finish on shutdown before the server cuts them. @default 5000 */
  shutdownGraceMs: number;
}

export const GRPC_API_OPTIONS = 'GRPC_API_OPTIONS';

export const DEFAULT_GRPC_PORT = 50051;
export const DEFAULT_SHUTDOWN_GRACE_MS = 5000;

export function grpcApiOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): GrpcApiOptions {
  const raw = env.GRPC_PORT?.trim();
  const port = raw ? Number(raw) : DEFAULT_GRPC_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`GRPC_PORT must be a TCP port number (0-65535), not "${raw}"`);
  }
  const bind = bindAddressOf(env);
  // gRPC addresses are host:port, so an IPv6 address goes in brackets.
  return { port, host: bind.includes(':') && !bind.startsWith('[') ? `[${bind}]` : bind, shutdownGraceMs: DEFAULT_SHUTDOWN_GRACE_MS };
}
