import * as path from 'node:path';
import { loadPackageDefinition, type GrpcObject, type ServiceClientConstructor, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';

/**
 * The .proto sits in libs/api/proto so any client can use it; the build copies it to the same
 * relative place under dist/, so this path holds for both.
 */
export const RESOURCES_PROTO_PATH = path.resolve(__dirname, '../../../../libs/api/proto/kastra/v1/resources.proto');

/**
 * keepCase: field names as written in the .proto (what every other language's client sees);
 * defaults: absent strings arrive as '' so handlers need no undefined checks.
 */
export const PROTO_LOADER_OPTIONS: Options = { keepCase: true, defaults: true, longs: String, enums: String, oneofs: true };

let cachedDefinition: PackageDefinition | undefined;
let cached: GrpcObject | undefined;

/** The loaded .proto, with its file descriptors (what server reflection describes). */
export function resourcesPackageDefinition(): PackageDefinition {
  cachedDefinition ??= loadSync(RESOURCES_PROTO_PATH, PROTO_LOADER_OPTIONS);
  return cachedDefinition;
}

function kastraV1(): GrpcObject {
  cached ??= loadPackageDefinition(resourcesPackageDefinition());
  return (cached.kastra as GrpcObject).v1 as GrpcObject;
}

/** The full name of the service (health status, reflection). */
export const RESOURCE_SERVICE_NAME = 'kastra.v1.ResourceService';

/** `kastra.v1.ResourceService` as a constructor of clients (its `.service` is the server definition). */
export function resourceServiceClientConstructor(): ServiceClientConstructor {
  return kastraV1().ResourceService as ServiceClientConstructor;
}

export function resourceServiceDefinition(): ServiceDefinition {
  return resourceServiceClientConstructor().service;
}
