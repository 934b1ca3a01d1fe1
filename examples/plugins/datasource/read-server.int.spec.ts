import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Resource } from '@kastra/api';
import { startReadServer } from './read-server';

const dataSource = (name: string, spec: Record<string, unknown>, ready?: { status: 'True' | 'False'; message: string }): Resource => ({
  apiVersion: 'mastra.ai/v1alpha1',
  kind: 'DataSource',
  metadata: { name, namespace: 'default' },
  spec,
  ...(ready ? { status: { conditions: [{ type: 'Ready', status: ready.status, reason: 'Checked', message: ready.message, lastTransitionTime: '2026-01-01T00:00:00Z' }] } } : {}),
});

describe('reads of DataSources for agents', () => {
  let upstream: Server;
  let reads: Server;
  let base: string;
  const objects = new Map<string, Resource>();

  beforeAll(async () => {
    upstream = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ rows: [1, 2, 3] }));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/data`;
    objects.set('default/ready', dataSource('ready', { type: 'http', http: { url } }, { status: 'True', message: 'GET answered 200' }));
    objects.set('default/down', dataSource('down', { type: 'http', http: { url } }, { status: 'False', message: 'GET failed: ECONNREFUSED' }));
    objects.set('default/new', dataSource('new', { type: 'http', http: { url } }));
    objects.set('default/db', dataSource('db', { type: 'postgres', postgres: { host: 'x' } }, { status: 'True', message: 'connected' }));
    reads = await startReadServer(0, (key) => objects.get(key));
    base = `http://127.0.0.1:${(reads.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => reads.close(resolve));
    await new Promise((resolve) => upstream.close(resolve));
  });

  it('relays what a Ready http DataSource answers', async () => {
    const response = await fetch(`${base}/namespaces/default/datasources/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ rows: [1, 2, 3] });
  });

  it('answers 503 naming the reason for a DataSource that is not Ready (or not checked yet), 404 for a missing one', async () => {
    const down = await fetch(`${base}/namespaces/default/datasources/down`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ error: 'DataSource default/down is not Ready: GET failed: ECONNREFUSED' });
    const fresh = await fetch(`${base}/namespaces/default/datasources/new`);
    expect(await fresh.json()).toEqual({ error: 'DataSource default/new is not Ready yet' });
    expect((await fetch(`${base}/namespaces/default/datasources/nope`)).status).toBe(404);
    expect((await fetch(`${base}/namespaces/other/datasources/ready`)).status).toBe(404);
  });

  it('serves reads of http DataSources only, and GETs only', async () => {
    expect((await fetch(`${base}/namespaces/default/datasources/db`)).status).toBe(501);
    expect((await fetch(`${base}/namespaces/default/datasources/ready`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${base}/namespaces/default/datasources/../../etc`)).status).toBe(404);
  });
});
