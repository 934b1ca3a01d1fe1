import { type BeforeApplicationShutdown, type DynamicModule, Inject, Injectable, Module, type ModuleMetadata, type OnModuleInit, Optional, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { Redis } from 'ioredis';
import { EventStore } from '@kastra/event-store';
import { ReadinessRegistry } from '@kastra/service-host';
import { createLogger, type Logger } from '@kastra/telemetry';
import { ChatPipeline } from './calls/chat-pipeline';
import { MODEL_RESOLVER, type ModelResolver } from './calls/model-resolver';
import { loadProxySettings, PROXY_SETTINGS, type ProxySettings } from './calls/proxy-settings';
import { TokenCounter } from './calls/token-counter';
import { UpstreamAttempts } from './calls/upstream-attempts';
import { AnthropicMessagesController } from './http/anthropic-messages.controller';
import { ApiRouteFallbackFilter } from './http/api-route-fallback.filter';
import { AnthropicMessagesResponder } from './http/anthropic-messages-responder';
import { BearerAuthenticator } from './http/bearer-authenticator';
import { FastCallEdge } from './http/fast-call-edge';
import { JsonBodyInterceptor } from './http/json-body.interceptor';
import { BearerAuthGuard } from './http/bearer-auth.guard';
import { LlmApiController } from './http/llm-api.controller';
import { OpenAiChatResponder } from './http/openai-chat-responder';
import { OpenAiCompatController } from './http/openai-compat.controller';
import { OpenAiResponsesResponder } from './http/openai-responses-responder';
import { RateLimiter } from './limits/rate-limiter';
import { DefaultedUserLimits, USER_LIMIT_OVERRIDES, USER_LIMITS, type UserLimitOverrides, type UserLimits } from './limits/user-limits';
import { LlmNatsResponder } from './nats/llm-nats-responder';
import { CircuitBreakers } from './resilience/circuit-breakers';
import { UsageRecorder } from './usage/usage-recorder';

/** Injection token of the Redis client holding the shared rate-limit windows. */
export const LIMITS_REDIS = 'KASTRA_LLM_LIMITS_REDIS';
const CALLS_LOGGER = 'KASTRA_LLM_CALLS_LOGGER';

@Injectable()
class CallsLifecycle implements OnModuleInit, BeforeApplicationShutdown {
  constructor(
    @Inject(LIMITS_REDIS) private readonly redis: Redis,
    @Inject(UsageRecorder) private readonly usage: UsageRecorder,
    @Optional() private readonly readiness?: ReadinessRegistry,
  ) {}

  onModuleInit(): void {
    this.readiness?.register('redis', async () => (await this.redis.ping().catch(() => '')) === 'PONG');
  }

  /** Before the pg pool closes: no recorded call may be lost on a graceful stop. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.usage.flush();
    await this.redis.quit().catch(() => undefined);
  }
}

export interface LlmCallsModuleOptions {
  /** Provides MODEL_RESOLVER (the registry in the service; tests may bring their own). */
  resolver: Provider;
  /**
   * Modules the resolver provider needs. When one of them exports USER_LIMIT_OVERRIDES
   * (RegistryModule does), users get the limits an admin set for them; otherwise, and for users
   * without their own, the settings' userRpm/userTpm.
   */
  imports?: ModuleMetadata['imports'];
  /** @default loadProxySettings(process.env) */
  settings?: ProxySettings;
}

/**
 * The call path of llm-proxy: the OpenAI-, Anthropic- and LLM-service endpoints, the NATS
 * request/reply subjects, and the pipeline behind them (limits, retries, breakers, fallbacks,
 * usage). Needs JwtAuthority (AuthModule), EventStore/PG_POOL (EventStoreModule) and
 * NATS_CONNECTION/NATS_PREFIX (MessagingModule) from the application.
 */
@Module({})
export class LlmCallsModule {
  static forRoot(options: LlmCallsModuleOptions): DynamicModule {
    const settings = options.settings ?? loadProxySettings();
    return {
      module: LlmCallsModule,
      imports: options.imports ?? [],
      controllers: [OpenAiCompatController, AnthropicMessagesController, LlmApiController],
      providers: [
        options.resolver,
        // Every route's body, read after its guards (the app runs without Express's body parsers).
        { provide: APP_INTERCEPTOR, useClass: JsonBodyInterceptor },
        // Errors on /v1 that no controller answered (unknown routes above all) in the SDKs' shape.
        { provide: APP_FILTER, useClass: ApiRouteFallbackFilter },
        { provide: PROXY_SETTINGS, useValue: settings },
        { provide: CALLS_LOGGER, useFactory: () => createLogger('llm-proxy').child({ component: 'calls' }) },
        {
          provide: LIMITS_REDIS,
          // Commands fail fast when Redis is away instead of queueing behind a reconnect forever.
          useFactory: () => new Redis(settings.redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 2000, lazyConnect: false }),
        },
        { provide: RateLimiter, useFactory: (redis: Redis) => new RateLimiter(redis, settings.keyPrefix), inject: [LIMITS_REDIS] },
        {
          provide: USER_LIMITS,
          useFactory: (overrides?: UserLimitOverrides) => new DefaultedUserLimits({ rpm: settings.userRpm, tpm: settings.userTpm }, overrides),
          inject: [{ token: USER_LIMIT_OVERRIDES, optional: true }],
        },
        { provide: CircuitBreakers, useFactory: () => new CircuitBreakers(settings.breakerFailureThreshold, settings.breakerCooldownMs) },
        {
          provide: UpstreamAttempts,
          useFactory: (breakers: CircuitBreakers, logger: Logger) => new UpstreamAttempts(settings, breakers, logger),
          inject: [CircuitBreakers, CALLS_LOGGER],
        },
        {
          provide: UsageRecorder,
          useFactory: (store: EventStore, logger: Logger) => new UsageRecorder(store, logger, settings.usageFlushMs),
          inject: [EventStore, CALLS_LOGGER],
        },
        {
          provide: ChatPipeline,
          useFactory: (resolver: ModelResolver, limiter: RateLimiter, userLimits: UserLimits, attempts: UpstreamAttempts, usage: UsageRecorder, logger: Logger) =>
            new ChatPipeline(resolver, limiter, userLimits, attempts, usage, settings, logger),
          inject: [MODEL_RESOLVER, RateLimiter, USER_LIMITS, UpstreamAttempts, UsageRecorder, CALLS_LOGGER],
        },
        {
          provide: TokenCounter,
          useFactory: (resolver: ModelResolver, attempts: UpstreamAttempts, logger: Logger) => new TokenCounter(resolver, attempts, logger),
          inject: [MODEL_RESOLVER, UpstreamAttempts, CALLS_LOGGER],
        },
        BearerAuthenticator,
        BearerAuthGuard,
        OpenAiChatResponder,
        OpenAiResponsesResponder,
        AnthropicMessagesResponder,
        FastCallEdge,
        LlmNatsResponder,
        CallsLifecycle,
      ],
      exports: [ChatPipeline, UsageRecorder, RateLimiter, MODEL_RESOLVER],
    };
  }
}
