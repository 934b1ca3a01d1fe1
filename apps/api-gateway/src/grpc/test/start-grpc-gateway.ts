import 'reflect-metadata';
import { Global, type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JwtAuthority, type TlsMaterial } from '@kastra/auth';
import { RbacPolicyCache } from '@kastra/rbac';
import { RESOURCE_STORE, type ResourceStore } from '@kastra/resource-store';
import type { Resource } from '@kastra/api';
import { ReadinessRegistry } from '@kastra/service-host';
import { RbacModule } from '../../auth/rbac.module';
import { GrpcApiModule } from '../grpc-api.module';
import { GrpcApiServer } from '../grpc-api-server';

/** The JWT authority of the gRPC tests, with an admin token and a token for alice (bound by `grantClusterRole`). */
export const testAuthority = new JwtAuthority('a-test-secret-of-at-least-32-bytes!!');
export const adminToken = testAuthority.issue({ sub: 'root', role: 'admin' });
export const userToken = testAuthority.issue({ sub: 'alice', role: 'user' });

/**
 * Binds ClusterRole `role` to user `sub` in `namespace` (a RoleBinding `<sub>-<role>`), or in every
 * namespace when none is given (a ClusterRoleBinding), effective at once.
 */
export async function grantClusterRole(app: INestApplicationContext, store: ResourceStore, sub: string, role: string, namespace?: string): Promise<void> {
  const binding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: namespace ? 'RoleBinding' : 'ClusterRoleBinding',
    metadata: { name: `${sub}-${role}`, ...(namespace ? { namespace } : {}) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: sub }],
  } as unknown as Resource;
  app.get(RbacPolicyCache).observe(await store.create(binding, { actor: 'test', principal: { sub: 'root', groups: ['system:masters'] } }));
}

/**
 * GrpcApiModule in a Nest application context on a free port of 127.0.0.1, over `store`, with
 * the globals the gateway's app module provides (RESOURCE_STORE, JwtAuthority, RBAC, and the
 * `readiness` registry when given). Plaintext unless `tls` is given.
 */
export async function startGrpcGateway(
  store: ResourceStore,
  options: { tls?: TlsMaterial; readiness?: ReadinessRegistry } = {},
): Promise<{ app: INestApplicationContext; address: string }> {
  const readiness = options.readiness ? [{ provide: ReadinessRegistry, useValue: options.readiness }] : [];
  @Global()
  @Module({
    providers: [{ provide: RESOURCE_STORE, useValue: store }, { provide: JwtAuthority, useValue: testAuthority }, ...readiness],
    exports: [RESOURCE_STORE, JwtAuthority, ...readiness.map((provider) => provider.provide)],
  })
  class TestDependencies {}

  @Module({ imports: [TestDependencies, RbacModule, GrpcApiModule.forRoot({ host: '127.0.0.1', port: 0, shutdownGraceMs: 1000, tls: options.tls })] })
  class TestGateway {}

  const app = await NestFactory.createApplicationContext(TestGateway, { logger: false });
  await app.init();
  return { app, address: `127.0.0.1:${app.get(GrpcApiServer).port}` };
}
