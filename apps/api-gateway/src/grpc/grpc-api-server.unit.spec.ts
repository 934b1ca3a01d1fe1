import { status } from '@grpc/grpc-js';
import type { INestApplicationContext } from '@nestjs/common';
import { eventually } from '@kastra/testing';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { grpcListenOptionsFromEnv, grpcTlsFromEnv } from './grpc-api-options';
import { InMemoryResourceStore } from './test/in-memory-resource-store';
import { ResourceServiceTestClient, WatchRecorder } from './test/resource-service-test-client';
import { adminToken, grantClusterRole, startGrpcGateway, testAuthority, userToken } from './test/start-grpc-gateway';

const llm = (name: string, model: string, labels: Record<string, string> = {}) => `
apiVersion: mastra.ai/v1
kind: LLM
metadata:
  name: ${name}
  labels: ${JSON.stringify(labels)}
spec:
  provider: mock
  model: ${model}
`;

describe('GrpcApiModule (real gRPC client, in-memory store)', () => {
  let store: InMemoryResourceStore;
  let app: INestApplicationContext;
  let client: ResourceServiceTestClient;
  /** The store watches the gateway keeps open by itself (its RBAC policy cache). */
  let ownWatches: number;

  beforeEach(async () => {
    store = new InMemoryResourceStore();
    const started = await startGrpcGateway(store);
    app = started.app;
    await grantClusterRole(app, store, 'alice', 'edit');
    await grantClusterRole(app, store, 'bob', 'view');
    ownWatches = store.openWatches;
    client = new ResourceServiceTestClient(started.address, userToken);
  });

  afterEach(async () => {
    client.close();
    await app.close();
  });

  it('applies (create, then update with generation 2), gets, lists by label and deletes', async () => {
    // Given an LLM applied, then applied again with a new model
    const created = await client.apply(llm('my-llm', 'gpt-4o', { team: 'search' }), { field_manager: 'tests' });
    const updated = await client.apply(llm('my-llm', 'gpt-4.1', { team: 'search' }), { field_manager: 'tests' });
    await client.apply(llm('other', 'gpt-4o', { team: 'ads' }));
    // Then
    expect(created.metadata.generation).toBe(1);
    expect(updated.metadata).toMatchObject({ name: 'my-llm', namespace: 'default', generation: 2, uid: created.metadata.uid });
    // When getting it by short name and listing by label
    const fetched = await client.get('llm', 'my-llm');
    const listed = await client.list({ kind: 'llms', label_selector: 'team=search' });
    // Then
    expect(fetched.spec).toEqual({ provider: 'mock', model: 'gpt-4.1' });
    expect(listed.items.map((item) => item.metadata.name)).toEqual(['my-llm']);
    expect(Number(listed.resourceVersion)).toBeGreaterThanOrEqual(Number(updated.metadata.resourceVersion));
    // When deleting it
    const deleted = await client.delete('LLM', 'my-llm');
    // Then it is gone
    expect(deleted.metadata.name).toBe('my-llm');
    await expect(client.get('LLM', 'my-llm')).rejects.toMatchObject({ code: status.NOT_FOUND, details: 'llms.mastra.ai "my-llm" not found' });
  });

  it('streams ADDED, MODIFIED and DELETED to a watch, and closes the store watch when the client cancels', async () => {
    // Given a watch on LLMs
    const watch = new WatchRecorder(client.watch({ kind: 'LLM', namespace: 'default' }));
    await eventually(async () => store.openWatches === ownWatches + 1);
    // When an LLM is created, changed and deleted
    await client.apply(llm('watched', 'a'));
    await client.apply(llm('watched', 'b'));
    await client.delete('llms', 'watched');
    // Then the watch sees all three, in order
    await eventually(async () => watch.events.length === 3);
    expect(watch.summary()).toEqual(['ADDED watched', 'MODIFIED watched', 'DELETED watched']);
    expect(watch.events[1].object.spec).toEqual({ provider: 'mock', model: 'b' });
    // When the client cancels, then the server stops reading the store
    watch.stream.cancel();
    await eventually(async () => store.openWatches === ownWatches);
  });

  it('answers an invalid manifest with INVALID_ARGUMENT naming the field, storing nothing', async () => {
    const bad = llm('bad', 'gpt-4o').replace('provider: mock', 'provider: nonsense');
    await expect(client.apply(bad)).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('spec.provider') });
    await expect(client.apply('kind: [')).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    expect((await client.list({ kind: 'LLM' })).items).toEqual([]);
  });

  it('answers UNAUTHENTICATED without a token or with a bad one', async () => {
    await expect(client.as(undefined).get('LLM', 'x')).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    await expect(client.as('not.a.jwt').list({ kind: 'LLM' })).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    const watch = new WatchRecorder(client.as(undefined).watch({ kind: 'LLM' }));
    await eventually(async () => watch.error);
    expect(watch.error?.code).toBe(status.UNAUTHENTICATED);
  });

  it('answers PERMISSION_DENIED to a viewer writing a Secret and an editor reading one, while an admin may', async () => {
    const secret = 'apiVersion: mastra.ai/v1\nkind: Secret\nmetadata: {name: keys}\ndata: {openai: c2stdGVzdA==}\n';
    await expect(client.as(testAuthority.issue({ sub: 'bob' })).apply(secret)).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
    await expect(client.get('secrets', 'keys')).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
    const admin = client.as(adminToken);
    await admin.apply(secret);
    expect((await admin.get('secrets', 'keys')).metadata.name).toBe('keys');
  });

  it('answers INVALID_ARGUMENT for an unknown kind', async () => {
    await expect(client.get('gadgets', 'x')).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('"gadgets"'),
    });
  });

  it('ends open watches with UNAVAILABLE when the app shuts down, without waiting for the grace period', async () => {
    // Given an open watch
    const watch = new WatchRecorder(client.watch({ kind: 'LLM' }));
    await eventually(async () => store.openWatches === ownWatches + 1);
    // When the app closes
    const started = Date.now();
    await app.close();
    // Then the watch ended with a retryable status, promptly, and the store watch is closed
    await eventually(async () => watch.error);
    expect(watch.error?.code).toBe(status.UNAVAILABLE);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(store.openWatches).toBe(0);
    // (afterEach closes again: closing twice must be harmless)
  });
});

describe('grpcListenOptionsFromEnv', () => {
  it('defaults to 127.0.0.1:50051, takes GRPC_PORT and KASTRA_BIND', () => {
    expect(grpcListenOptionsFromEnv({})).toMatchObject({ host: '127.0.0.1', port: 50051 });
    expect(grpcListenOptionsFromEnv({ GRPC_PORT: '6000' }).port).toBe(6000);
    expect(grpcListenOptionsFromEnv({ KASTRA_BIND: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(grpcListenOptionsFromEnv({ KASTRA_BIND: '::' }).host).toBe('[::]');
  });

  it('rejects a GRPC_PORT that is not a port', () => {
    expect(() => grpcListenOptionsFromEnv({ GRPC_PORT: 'http' })).toThrow('GRPC_PORT must be a TCP port number');
    expect(() => grpcListenOptionsFromEnv({ GRPC_PORT: '70000' })).toThrow('GRPC_PORT must be a TCP port number');
  });
});

describe('grpcTlsFromEnv', () => {
  it('serves the HTTPS certificate of KASTRA_HOME unless KASTRA_GRPC_PLAINTEXT=true, and refuses a value it cannot read', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'kastra-grpc-tls-'));
    try {
      const tls = grpcTlsFromEnv({ KASTRA_HOME: home, KASTRA_GRPC_PLAINTEXT: 'false' });
      expect(tls?.cert).toBe(fs.readFileSync(path.join(home, 'tls', 'server.crt'), 'utf8'));
      expect(grpcTlsFromEnv({ KASTRA_HOME: home, KASTRA_GRPC_PLAINTEXT: 'true' })).toBeUndefined();
      expect(() => grpcTlsFromEnv({ KASTRA_HOME: home, KASTRA_GRPC_PLAINTEXT: 'yes please' })).toThrow('KASTRA_GRPC_PLAINTEXT must be true or false');
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
