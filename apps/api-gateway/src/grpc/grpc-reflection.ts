import type { Server } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { protoPath as HEALTH_PROTO_PATH } from 'grpc-health-check';
import { PROTO_LOADER_OPTIONS, resourcesPackageDefinition } from './resource-service-definition';

type ReflectedPackage = ConstructorParameters<typeof ReflectionService>[0];

/**
 * gRPC server reflection, `grpc.reflection.v1.ServerReflection` and its predecessor
 * `grpc.reflection.v1alpha.ServerReflection` (the grpc-node `@grpc/reflection` implementation), so
 * grpcurl, Postman or Evans list the services and describe their methods without the .proto.
 * It describes `kastra.v1.ResourceService` and `grpc.health.v1.Health` from the same loaded
 * .proto files the server uses (files are named by package, e.g. `kastra_v1.proto`: no server
 * path is revealed). Like the .proto in libs/api/proto, this is public: no token is needed.
 */
export function addServerReflection(server: Pick<Server, 'addService'>): void {
  const health = loadSync(HEALTH_PROTO_PATH, PROTO_LOADER_OPTIONS);
  // @grpc/reflection is typed against its own copy of proto-loader; the shape is the same.
  const described = { ...resourcesPackageDefinition(), ...health } as unknown as ReflectedPackage;
  new ReflectionService(described).addToServer(server);
}
