import * as path from 'node:path';
import {
  type ChannelCredentials,
  type Client,
  type ClientDuplexStream,
  type ClientReadableStream,
  type GrpcObject,
  loadPackageDefinition,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath as HEALTH_PROTO_PATH } from 'grpc-health-check';
import { PROTO_LOADER_OPTIONS } from '../resource-service-definition';

/** The .proto files @grpc/reflection ships (build/proto/grpc/reflection/<version>/reflection.proto). */
const REFLECTION_PROTO_DIR = path.join(path.dirname(require.resolve('@grpc/reflection')), '..', 'proto');

function serviceConstructor(file: string, includeDirs: string[], fullName: string): ServiceClientConstructor {
  let object: GrpcObject | ServiceClientConstructor = loadPackageDefinition(loadSync(file, { ...PROTO_LOADER_OPTIONS, includeDirs }));
  for (const part of fullName.split('.')) object = (object as GrpcObject)[part] as GrpcObject;
  return object as unknown as ServiceClientConstructor;
}

export interface ReflectionAnswer {
  list_services_response?: { service: { name: string }[] };
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  error_response?: { error_code: number; error_message: string };
}

/**
 * A raw grpc-js client of `grpc.reflection.<version>.ServerReflection` (what grpcurl speaks):
 * sends each request on one ServerReflectionInfo stream and collects the answers in order.
 */
export async function reflect(address: string, credentials: ChannelCredentials, version: 'v1' | 'v1alpha', requests: object[]): Promise<ReflectionAnswer[]> {
  const Constructor = serviceConstructor(`grpc/reflection/${version}/reflection.proto`, [REFLECTION_PROTO_DIR], `grpc.reflection.${version}.ServerReflection`);
  const client = new Constructor(address, credentials);
  try {
    const stream = (client as unknown as { ServerReflectionInfo(): ClientDuplexStream<object, ReflectionAnswer> }).ServerReflectionInfo();
    const answers: ReflectionAnswer[] = [];
    return await new Promise<ReflectionAnswer[]>((resolve, reject) => {
      stream.on('data', (answer: ReflectionAnswer) => {
        answers.push(answer);
        if (answers.length === requests.length) stream.end();
      });
      stream.on('error', reject);
      stream.on('end', () => resolve(answers));
      for (const request of requests) stream.write(request);
    });
  } finally {
    client.close();
  }
}

/** A grpc-js client of `grpc.health.v1.Health`, from grpc-health-check's own .proto. */
export class HealthTestClient {
  private readonly client: Client;

  constructor(address: string, credentials: ChannelCredentials) {
    const Constructor = serviceConstructor(HEALTH_PROTO_PATH, [], 'grpc.health.v1.Health');
    this.client = new Constructor(address, credentials);
  }

  check(service: string): Promise<string> {
    const method = (this.client as unknown as Record<string, (request: object, callback: (error: ServiceError | null, response: { status: string }) => void) => void>).Check;
    return new Promise((resolve, reject) => method.call(this.client, { service }, (error, response) => (error ? reject(error) : resolve(response.status))));
  }

  watch(service: string): ClientReadableStream<{ status: string }> {
    return (this.client as unknown as { Watch(request: object): ClientReadableStream<{ status: string }> }).Watch({ service });
  }

  close(): void {
    this.client.close();
  }
}
