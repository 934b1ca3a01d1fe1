import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import type { INestApplicationContext } from '@nestjs/common';
import { FileDescriptorProto } from 'protobufjs/ext/descriptor';
import { generateDevelopmentCertificate, type TlsMaterial } from '@kastra/auth';
import { ReadinessRegistry } from '@kastra/service-host';
import { eventually } from '@kastra/testing';
import { InMemoryResourceStore } from './test/in-memory-resource-store';
import { HealthTestClient, reflect } from './test/grpc-probe-clients';
import { ResourceServiceTestClient } from './test/resource-service-test-client';
import { grantClusterRole, startGrpcGateway, userToken } from './test/start-grpc-gateway';

/** The fields of a decoded google.protobuf.FileDescriptorProto the tests read. */
interface FileDescriptor {
  name: string;
  package: string;
  messageType: { name: string; field?: { name: string; number: number }[] }[];
  service: { name: string; method: { name: string; inputType: string; serverStreaming?: boolean }[] }[];
}

const llm = JSON.stringify({ apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name: 'over-tls' }, spec: { provider: 'mock', model: 'm' } });

describe('gRPC server over TLS: reflection, grpc.health.v1 and the resource API (real grpc-js clients)', () => {
  let tls: TlsMaterial;
  let app: INestApplicationContext;
  let address: string;
  let databaseReady = true;
  const trusted = () => credentials.createSsl(Buffer.from(tls.ca));

  beforeAll(async () => {
    tls = generateDevelopmentCertificate();
    const readiness = new ReadinessRegistry();
    readiness.register('postgres', async () => databaseReady);
    const store = new InMemoryResourceStore();
    ({ app, address } = await startGrpcGateway(store, { tls, readiness }));
    await grantClusterRole(app, store, 'alice', 'edit');
    // The development certificate is for localhost / 127.0.0.1: the address is 127.0.0.1:<port>.
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  afterAll(async () => {
    await app?.close();
  });

  it.each(['v1', 'v1alpha'] as const)('lists the services and gives the file descriptor of ResourceService by reflection %s, without a token', async (version) => {
    // When a reflection client (no token) lists the services and asks for the file of ResourceService and of an Apply request
    const [listed, file, bySymbolOfMessage, unknown] = await reflect(address, trusted(), version, [
      { list_services: '' },
      { file_containing_symbol: 'kastra.v1.ResourceService' },
      { file_containing_symbol: 'kastra.v1.ApplyRequest' },
      { file_containing_symbol: 'kastra.v1.NoSuchThing' },
    ]);
    // Then the services are the resource API and health
    const services = listed.list_services_response?.service.map((service) => service.name);
    expect(services).toEqual(expect.arrayContaining(['kastra.v1.ResourceService', 'grpc.health.v1.Health']));
    // And the file describes ResourceService's methods with their message types, named by package (no server path)
    const descriptors = (file.file_descriptor_response?.file_descriptor_proto ?? []).map((bytes) => FileDescriptorProto.decode(bytes) as unknown as FileDescriptor);
    const kastra = descriptors.find((descriptor) => descriptor.package === 'kastra.v1');
    expect(kastra?.name).toBe('kastra_v1.proto');
    const service = kastra?.service.find((candidate) => candidate.name === 'ResourceService');
    expect(service?.method.map((method) => method.name)).toEqual(['Apply', 'Get', 'List', 'Delete', 'Watch']);
    expect(service?.method.find((method) => method.name === 'Watch')).toMatchObject({ inputType: '.kastra.v1.WatchRequest', serverStreaming: true });
    expect(kastra?.messageType.map((message) => message.name)).toEqual(expect.arrayContaining(['ApplyRequest', 'ResourceResponse']));
    // And the List messages carry the paging fields under their own numbers (the old ones unchanged)
    const fieldsOf = (name: string) => kastra?.messageType.find((message) => message.name === name)?.field?.map((field) => `${field.name}=${field.number}`);
    expect(fieldsOf('ListRequest')).toEqual(['kind=1', 'namespace=2', 'label_selector=3', 'field_selector=4', 'limit=5', 'continue=6']);
    expect(fieldsOf('ListResponse')).toEqual(['items_json=1', 'resource_version=2', 'continue=3', 'remaining_item_count=4']);
    expect(bySymbolOfMessage.file_descriptor_response?.file_descriptor_proto).toHaveLength(1);
    // And a symbol that is not there is NOT_FOUND
    expect(unknown.error_response?.error_code).toBe(status.NOT_FOUND);
  });

  it('reflection gives nothing but descriptors: a file name outside the loaded .proto files is NOT_FOUND', async () => {
    const [answer] = await reflect(address, trusted(), 'v1', [{ file_by_filename: '/etc/passwd' }]);
    expect(answer.file_descriptor_response).toBeUndefined();
    expect(answer.error_response?.error_code).toBe(status.NOT_FOUND);
  });

  it('Health.Check answers SERVING for the server and ResourceService while ready, NOT_SERVING while readiness fails, without a token', async () => {
    const health = new HealthTestClient(address, trusted());
    try {
      await expect(health.check('')).resolves.toBe('SERVING');
      await expect(health.check('kastra.v1.ResourceService')).resolves.toBe('SERVING');
      await expect(health.check('no.such.Service')).rejects.toMatchObject({ code: status.NOT_FOUND });
      // When a readiness check fails (Postgres unreachable), the next evaluation says so
      databaseReady = false;
      await eventually(async () => (await health.check('')) === 'NOT_SERVING');
      expect(await health.check('kastra.v1.ResourceService')).toBe('NOT_SERVING');
      databaseReady = true;
      await eventually(async () => (await health.check('')) === 'SERVING');
    } finally {
      databaseReady = true;
      health.close();
    }
  });

  it('serves resource calls over TLS to a client trusting the gateway CA, with the bearer token as before', async () => {
    const client = new ResourceServiceTestClient(address, userToken, { ca: tls.ca });
    try {
      expect((await client.apply(llm)).metadata.name).toBe('over-tls');
      expect((await client.get('LLM', 'over-tls')).spec).toMatchObject({ model: 'm' });
      await expect(client.as(undefined).get('LLM', 'over-tls')).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    } finally {
      client.close();
    }
  });

  it('refuses a plaintext client, and a TLS client that does not trust the CA', async () => {
    const plaintext = new HealthTestClient(address, credentials.createInsecure());
    const untrusting = new HealthTestClient(address, credentials.createSsl());
    try {
      const codeOf = (call: Promise<unknown>) => call.then(() => status.OK, (error: ServiceError) => error.code);
      expect(await codeOf(plaintext.check(''))).toBe(status.UNAVAILABLE);
      expect(await codeOf(untrusting.check(''))).toBe(status.UNAVAILABLE);
    } finally {
      plaintext.close();
      untrusting.close();
    }
  });
});

describe('grpc.health.v1 when the gateway shuts down', () => {
  it('tells an open Watch NOT_SERVING once shutdown begins, then ends it, without holding the shutdown', async () => {
    // Given a plaintext gateway and a Watch of the whole server
    const { app, address } = await startGrpcGateway(new InMemoryResourceStore());
    const health = new HealthTestClient(address, credentials.createInsecure());
    const statuses: string[] = [];
    let ended: ServiceError | undefined;
    const watch = health.watch('');
    watch.on('data', (message: { status: string }) => statuses.push(message.status));
    watch.on('error', (error: ServiceError) => (ended = error));
    try {
      await eventually(async () => statuses.length === 1);
      expect(statuses).toEqual(['SERVING']);
      // When the app closes
      const began = Date.now();
      await app.close();
      // Then the Watch heard NOT_SERVING, then ended UNAVAILABLE, well before the 1 s grace period would cut it
      await eventually(async () => ended !== undefined);
      expect(statuses).toEqual(['SERVING', 'NOT_SERVING']);
      expect(ended?.code).toBe(status.UNAVAILABLE);
      expect(Date.now() - began).toBeLessThan(900);
    } finally {
      health.close();
      await app.close();
    }
  });
});
