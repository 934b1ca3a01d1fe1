import 'reflect-metadata';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SERVICE_NODE_FLAGS, SERVICE_PORTS } from '@kastra/config';
import { isPortFree } from './port-check';
import { isServiceName, repositoryRoot, serviceMain, STACK_SERVICES } from './stack-services';
import { DEFAULT_GRPC_PORT, DEFAULT_HTTPS_PORT } from './stack-ports';

/**
 * `npm run service -- NAME`: one more replica of a service, in the foreground. Its HTTP port
 * comes from PORT; with the stack running the default is taken, so PORT is then required.
 */
async function main(): Promise<void> {
  const name = process.argv[2];
  if (!isServiceName(name)) {
    console.error(`usage: npm run service -- NAME   (NAME: ${STACK_SERVICES.join(', ')})${name ? `\nunknown service "${name}"` : ''}`);
    process.exit(2);
  }
  const defaultPort = SERVICE_PORTS[name];
  if (process.env.PORT === undefined) {
    if (!(await isPortFree(defaultPort))) {
      console.error(
        `port ${defaultPort}, the default of ${name}, is taken (by the running stack?).\n` +
          `Give this replica its own port: PORT=${defaultPort + 1000} npm run service -- ${name}`,
      );
      process.exit(1);
    }
  } else if (!/^\d+$/.test(process.env.PORT) || Number(process.env.PORT) > 65535) {
    console.error(`PORT must be a TCP port number, not "${process.env.PORT}"`);
    process.exit(2);
  }
  if (name === 'api-gateway') await requireFreeGatewayPorts();
  const main = serviceMain(repositoryRoot(), name);
  if (!fs.existsSync(main)) {
    console.error(`${path.relative(process.cwd(), main)} is missing: run npm run build`);
    process.exit(1);
  }
  const flags = SERVICE_NODE_FLAGS[name];
  if (flags.length > 0 && !flags.every((flag) => process.execArgv.includes(flag))) {
    // V8 heap flags only apply at start: run the service in a child with them, in the foreground.
    const child = spawn(process.execPath, [...process.execArgv, ...flags, main], { stdio: 'inherit' });
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
    child.once('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
    return;
  }
  // In this process, so the service's own signal handling and logs apply unchanged.
  require(main);
}

/** A gateway replica also serves HTTPS and gRPC: their ports must be free too. */
async function requireFreeGatewayPorts(): Promise<void> {
  for (const [variable, fallback] of [
    ['HTTPS_PORT', DEFAULT_HTTPS_PORT],
    ['GRPC_PORT', DEFAULT_GRPC_PORT],
  ] as const) {
    const port = Number(process.env[variable] ?? fallback);
    if (!(await isPortFree(port))) {
      console.error(
        `port ${port} (${variable}) of api-gateway is taken (by the running stack?).\n` +
          `Give this replica its own ports: PORT=9080 HTTPS_PORT=9443 GRPC_PORT=50052 npm run service -- api-gateway`,
      );
      process.exit(1);
    }
  }
}

void main();
