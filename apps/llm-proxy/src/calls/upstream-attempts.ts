import { createProviderAdapter, type ProviderAdapter, type ProviderCall, ProviderError } from '@kastra/llm';
import type { Logger } from '@kastra/telemetry';
import { CircuitBreakers } from '../resilience/circuit-breakers';
import { retryDelayMs, sleep } from '../resilience/retry-backoff';
import { AttemptSignal } from './attempt-signal';
import type { CancelSignal } from '@kastra/llm';
import { LlmCallError } from './llm-call-error';
import { llmMetrics } from './llm-metrics';
import type { ProxySettings } from './proxy-settings';
import type { PooledKey, ResolvedModel } from './model-resolver';

/** One successful attempt: its result and which key served it. */
export interface AttemptResult<T> {
  value: T;
  keyId: string | null;
  /** Still armed for streams (idle deadline, client abort); already disposed otherwise. */
  signal: AttemptSignal;
}

/** Time spent waiting on the upstream, subtracted from the proxy's overhead. */
export interface UpstreamClock {
  upstreamMs: number;
}

/**
 * Calls one model until it answers: picks a key (skipping invalid, cooling-down and open-circuit
 * ones), retries retryable failures with exponential backoff and jitter that honours Retry-After,
 * marks a key invalid on 401/403 and cools it down on 429. Throws the last failure (a
 * ProviderError or an LlmCallError) when the model cannot answer; the caller then tries fallbacks.
 */
export class UpstreamAttempts {
  private readonly adapters = new Map<string, ProviderAdapter>();

  constructor(private readonly settings: ProxySettings, private readonly breakers: CircuitBreakers, private readonly logger: Logger) {}

  adapterFor(provider: string): ProviderAdapter {
    let adapter = this.adapters.get(provider);
    if (!adapter) {
      adapter = createProviderAdapter(provider as Parameters<typeof createProviderAdapter>[0], { transport: this.settings.upstreamTransport ?? 'fetch' });
      this.adapters.set(provider, adapter);
    }
    return adapter;
  }

  async run<T>(
    model: ResolvedModel,
    clientSignal: CancelSignal,
    clock: UpstreamClock,
    invoke: (adapter: ProviderAdapter, call: ProviderCall) => Promise<T>,
    options: { stream: boolean; traceparent?: string; idempotencyKey?: string },
  ): Promise<AttemptResult<T>> {
    // The registry found the model but no key to call it with: a 403 for the client (OpenAI answers
    // 403 to a project without access to a model), never an upstream call without the key.
    if (model.noKeyReason) throw new LlmCallError(403, 'no_key', model.noKeyReason);
    const adapter = this.adapterFor(model.provider);
    const pool = model.keyPool;
    let lastFailure: ProviderError | LlmCallError | undefined;
    let retries = 0;
    // Auth failures move to the next key without spending a retry; bound the loop by the pool too.
    for (let round = 0; round < this.settings.maxAttemptsPerModel + pool.size; round++) {
      const key = await this.pickKey(model, lastFailure, retries, clientSignal);
      if (key === null) break;
      const breaker = this.breakers.for({ provider: model.provider, model: model.name, keyId: key?.keyId });
      if (!breaker.tryAcquire()) {
        lastFailure = new LlmCallError(503, 'circuit_open', `the circuit of ${model.name} is open after repeated upstream failures`);
        if (pool.size === 0) break;
        continue;
      }
      const signal = new AttemptSignal(clientSignal, this.settings.upstreamTimeoutMs);
      const call: ProviderCall = {
        apiKey: key?.apiKey,
        baseUrl: model.baseUrl,
        ...(model.egress ? { egress: model.egress } : {}),
        apiVersion: model.apiVersion,
        deployment: model.deployment,
        signal: signal.signal,
        options: model.options,
        ...upstreamHeaders(options),
      };
      const started = performance.now();
      try {
        const value = await invoke(adapter, call);
        clock.upstreamMs += performance.now() - started;
        breaker.recordSuccess();
        if (options.stream) signal.arm(this.settings.streamIdleTimeoutMs);
        else signal.dispose();
        return { value, keyId: key?.keyId ?? null, signal };
      } catch (error) {
        clock.upstreamMs += performance.now() - started;
        if (error instanceof LlmCallError) {
          // Refused before any upstream call (no embeddings, images to a text model): not the key's fault.
          signal.dispose();
          breaker.release();
          throw error;
        }
        const failure = signal.classify(error, model.provider, key?.apiKey);
        signal.dispose();
        lastFailure = failure;
        if (failure.kind === 'cancelled') {
          breaker.release();
          throw failure;
        }
        llmMetrics().errors.inc({ provider: model.provider, model: model.name, status: failure.kind });
        this.logger.warn({ provider: model.provider, model: model.name, keyId: key?.keyId, kind: failure.kind, status: failure.status }, 'upstream attempt failed');
        if (failure.kind === 'auth') {
          breaker.release();
          if (!key) throw failure;
          await pool.markInvalid(key.keyId, `upstream answered ${failure.status}`);
          continue;
        }
        if (failure.kind === 'bad_request') {
          breaker.release();
          throw failure;
        }
        if (failure.kind === 'rate_limit') {
          // A 429 says nothing about the key's health; it only has to wait.
          breaker.release();
          if (key) pool.coolDown(key.keyId, failure.retryAfterMs ?? this.settings.retryBaseMs);
        } else breaker.recordFailure();
        if (++retries >= this.settings.maxAttemptsPerModel) break;
        // A 429 throttles its key: another key may go at once. Any other Retry-After (a 503) is the upstream's own: every key waits.
        const upstreamAskedToWait = failure.kind !== 'rate_limit' && failure.retryAfterMs !== undefined;
        if (!key || pool.size === 1 || upstreamAskedToWait) await this.backoff(failure, retries, clientSignal);
      }
    }
    throw lastFailure ?? new LlmCallError(503, 'no_key', `${model.name} has no usable API key`);
  }

  /**
   * The key for the next attempt: undefined for keyless providers, null when the model has no
   * usable key left (after waiting out a short cool-down if that is all that stands in the way).
   */
  private async pickKey(model: ResolvedModel, lastFailure: ProviderError | LlmCallError | undefined, retries: number, clientSignal: CancelSignal): Promise<PooledKey | undefined | null> {
    const pool = model.keyPool;
    if (pool.size === 0) return undefined;
    const key = pool.next();
    if (key) return key;
    if (lastFailure instanceof ProviderError && lastFailure.kind === 'rate_limit' && retries < this.settings.maxAttemptsPerModel) {
      const wait = lastFailure.retryAfterMs ?? this.settings.retryBaseMs;
      if (wait <= this.settings.maxRetryAfterMs) {
        await this.sleepOrCancel(wait, clientSignal, model.provider);
        return pool.next() ?? null;
      }
    }
    return null;
  }

  private async backoff(failure: ProviderError, retry: number, clientSignal: CancelSignal): Promise<void> {
    if (failure.retryAfterMs !== undefined && failure.retryAfterMs > this.settings.maxRetryAfterMs) throw failure;
    const delay = retryDelayMs(retry, { baseMs: this.settings.retryBaseMs, maxMs: this.settings.retryMaxMs, retryAfterMs: failure.retryAfterMs });
    await this.sleepOrCancel(delay, clientSignal, failure.provider ?? '');
  }

  private async sleepOrCancel(ms: number, clientSignal: CancelSignal, provider: string): Promise<void> {
    try {
      await sleep(ms, clientSignal);
    } catch {
      throw new ProviderError('cancelled', 'the client closed the connection', { provider });
    }
  }
}

/** What the proxy forwards of the caller's request: its trace context and its idempotency key. */
function upstreamHeaders(options: { traceparent?: string; idempotencyKey?: string }): { headers?: Record<string, string> } {
  const headers: Record<string, string> = {
    ...(options.traceparent ? { traceparent: options.traceparent } : {}),
    ...(options.idempotencyKey ? { 'Idempotency-Key': options.idempotencyKey } : {}),
  };
  return Object.keys(headers).length > 0 ? { headers } : {};
}
