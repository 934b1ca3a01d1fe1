import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthModule } from '@kastra/auth';
import { loadConfig } from '@kastra/config';
import { EventStoreModule } from '@kastra/event-store';
import { EventRelayHost, MessagingModule } from '@kastra/messaging';
import { ResourceStoreModule } from '@kastra/resource-store';
import { createLogger } from '@kastra/telemetry';
import { AgentsModule } from './agents/agents.module';
import { BearerAuthGuard } from './auth/bearer-auth.guard';
import { RbacModule } from './auth/rbac.module';
import { SelfReviewsController } from './auth/self-reviews.controller';
import { CustomResourceDefinitions } from './custom-resources/custom-resource-definitions';
import { CoreV1Controller } from './discovery/core-v1.controller';
import { DiscoveryController } from './discovery/discovery.controller';
import { GATEWAY_LOGGER } from './gateway-logger';
import { GrpcApiModule } from './grpc/grpc-api.module';
import { LlmProxyForwardModule } from './llm-proxy-forward/llm-proxy-forward.module';
import { NetworkGenerateModule } from './networks/network-generate.module';
import { NetworkStateModule } from './networks/network-state.module';
import { OpenApiController } from './openapi/openapi.controller';
import { ResourceReadsController } from './resources/resource-reads.controller';
import { ResourceWritesController } from './resources/resource-writes.controller';
import { RunsModule } from './runs/runs.module';

/** Controllers and guard of the Kubernetes-compatible REST API; storage comes from the imports. */
@Module({
  // The self reviews first: their POST paths would otherwise match the generic create route.
  controllers: [SelfReviewsController, DiscoveryController, OpenApiController, CoreV1Controller, ResourceReadsController, ResourceWritesController],
  providers: [
    { provide: APP_GUARD, useClass: BearerAuthGuard },
    { provide: GATEWAY_LOGGER, useFactory: () => createLogger('api-gateway') },
    CustomResourceDefinitions,
  ],
  exports: [GATEWAY_LOGGER, CustomResourceDefinitions],
})
export class RestApiModule {}

/** The api-gateway: REST (HTTP and HTTPS) and gRPC over the resource store. */
@Module({
  imports: [
    EventStoreModule.forRoot(),
    MessagingModule.forRoot(),
    ResourceStoreModule,
    AuthModule.forRoot(loadConfig(0).homeDir),
    RbacModule,
    // Before the REST API: its middleware takes /api/v1/llm-models and /api/v1/llm/* to the llm-proxy.
    LlmProxyForwardModule,
    RestApiModule,
    AgentsModule,
    RunsModule,
    NetworkStateModule,
    NetworkGenerateModule,
    GrpcApiModule,
  ],
  providers: [EventRelayHost],
})
export class ApiGatewayModule {}
