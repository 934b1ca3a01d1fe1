import 'reflect-metadata';
import { Global, type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JwtAuthority } from '@kastra/auth';
import { RESOURCE_STORE, type ResourceStore } from '@kastra/resource-store';
import { GrpcApiModule } from '../grpc-api.module';
import { GrpcApiServer } from '../grpc-api-server';

/** The JWT authority of the gRPC tests, with an admin and a user token. */
export const testAuthority = new JwtAuthority('a-test-secret-of-at-least-32-bytes!!');
export const adminToken = testAuthority.issue({ sub: 'root', role: 'admin' });
export const userToken = testAuthority.issue({ sub: 'alice', role: 'user' });

/**
 * GrpcApiModule in a Nest application context on a free port of 127.0.0.1, over `store`, with
 * the globals the gateway's app module provides (RESOURCE_STORE, JwtAuthority).
 */
export async function startGrpcGateway(store: ResourceStore): Promise<{ app: INestApplicationContext; address: string }> {
  @Global()
  @Module({
    providers: [
      { provide: RESOURCE_STORE, useValue: store },
      { provide: JwtAuthority, useValue: testAuthority },
    ],
    exports: [RESOURCE_STORE, JwtAuthority],
  })
  class TestDependencies {}

  @Module({ imports: [TestDependencies, GrpcApiModule.forRoot({ host: '127.0.0.1', port: 0, shutdownGraceMs: 1000 })] })
  class TestGateway {}

  const app = await NestFactory.createApplicationContext(TestGateway, { logger: false });
  await app.init();
  return { app, address: `127.0.0.1:${app.get(GrpcApiServer).port}` };
}
