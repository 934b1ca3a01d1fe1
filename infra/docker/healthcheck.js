#!/usr/bin/env node
// The image's HEALTHCHECK: exits 0 when this container's service answers GET /healthz (or the path
// given as the argument: compose.yaml asks /readyz) with 200, 1 otherwise (refused, timed out,
// any other status). The port is the service's PORT, else its
// default (docs/operations.md); the address is KASTRA_BIND unless that is a wildcard.
'use strict';
const http = require('node:http');

const DEFAULT_PORTS = { 'api-gateway': 8080, 'llm-proxy': 8081, 'controller-manager': 8082, 'workflow-executor': 8083, 'network-router': 8084 };
const WILDCARDS = new Set(['', '0.0.0.0', '::']);

function healthUrl(env, path = '/healthz') {
  const port = env.PORT || DEFAULT_PORTS[env.SERVICE];
  if (!port) throw new Error(`no PORT and no known SERVICE ("${env.SERVICE ?? ''}")`);
  const bind = (env.KASTRA_BIND ?? '').trim();
  const host = WILDCARDS.has(bind) ? '127.0.0.1' : bind.includes(':') ? `[${bind}]` : bind;
  return `http://${host}:${port}${path}`;
}

function check(url, timeoutMs) {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: timeoutMs }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', () => resolve(false));
  });
}

module.exports = { healthUrl, DEFAULT_PORTS };

if (require.main === module) {
  const path = process.argv[2] ?? '/healthz';
  let url;
  try {
    if (!['/healthz', '/readyz'].includes(path)) throw new Error(`the path is /healthz or /readyz, not "${path}"`);
    url = healthUrl(process.env, path);
  } catch (error) {
    console.error(`healthcheck: ${error.message}`);
    process.exit(1);
  }
  check(url, Number(process.env.KASTRA_HEALTHCHECK_TIMEOUT_MS || 2500)).then((healthy) => {
    if (!healthy) console.error(`healthcheck: ${url} did not answer 200`);
    process.exit(healthy ? 0 : 1);
  });
}
