import { type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import { createLogger } from '@kastra/telemetry';
import { GATEWAY_LOGGER } from '../gateway-logger';
import { LLM_PROXY_URL, LlmProxyForwardMiddleware } from './llm-proxy-forward.middleware';
import { llmProxyUrl } from './llm-proxy-url';

/** Serves the llm-proxy's `/api/v1/llm-models` and `/api/v1/llm/*` on the gateway (llm-proxy-forward.middleware.ts). */
@Module({
  providers: [
    { provide: LLM_PROXY_URL, useFactory: () => llmProxyUrl() },
    { provide: GATEWAY_LOGGER, useFactory: () => createLogger('api-gateway').child({ component: 'llm-proxy-forward' }) },
    LlmProxyForwardMiddleware,
  ],
})
export class LlmProxyForwardModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // Middleware runs before routing: the core v1 resource routes (`/api/v1/:plural`) never see these paths.
    consumer.apply(LlmProxyForwardMiddleware).forRoutes({ path: 'api/v1/llm-models', method: RequestMethod.ALL }, { path: 'api/v1/llm-models/*path', method: RequestMethod.ALL }, { path: 'api/v1/llm/*path', method: RequestMethod.ALL });
  }
}
