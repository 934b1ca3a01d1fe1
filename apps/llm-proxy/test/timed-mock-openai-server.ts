import { MockOpenAIServer, type MockRequestContext, type MockScenario, type MockServerOptions, type RecordedRequest } from '@kastra/llm/testing';

/**
 * The mock OpenAI upstream, plus what retry tests need to measure: when each request arrived,
 * the key it carried, a Retry-After that can change between tests, and 5xx answers that carry a
 * Retry-After too (an upstream in maintenance or overloaded says when to come back).
 */
export class TimedMockOpenAIServer extends MockOpenAIServer {
  /** Seconds of Retry-After on `rate_limit` (429) answers. */
  rateLimitRetryAfterSeconds = 1;
  /** Seconds of Retry-After on `server_error` answers, which are then 503; undefined: a plain 500. */
  serverErrorRetryAfterSeconds: number | undefined;
  private readonly arrivals = new Map<RecordedRequest, number>();

  constructor(options: MockServerOptions = {}) {
    super(options);
  }

  /** performance.now() when the request was answered (after any scenario delay). */
  arrivalOf(request: RecordedRequest): number {
    const at = this.arrivals.get(request);
    if (at === undefined) throw new Error(`no arrival recorded for ${request.method} ${request.path}`);
    return at;
  }

  /** The API key each request carried, in arrival order. */
  keysSeen(): string[] {
    return this.requests.map((request) => String(request.headers.authorization ?? '').replace(/^Bearer /, ''));
  }

  override reset(): void {
    super.reset();
    this.arrivals.clear();
    this.serverErrorRetryAfterSeconds = undefined;
    this.rateLimitRetryAfterSeconds = 1;
  }

  protected override get retryAfterSeconds(): number {
    return this.rateLimitRetryAfterSeconds;
  }

  protected override async handle(context: MockRequestContext, scenario: MockScenario): Promise<void> {
    this.arrivals.set(context.recorded, performance.now());
    if (scenario === 'server_error' && this.serverErrorRetryAfterSeconds !== undefined) {
      return this.sendJson(
        context.response,
        503,
        { error: { message: 'The engine is currently overloaded, please try again later', type: 'server_error', param: null, code: null } },
        { 'retry-after': String(this.serverErrorRetryAfterSeconds) },
      );
    }
    return super.handle(context, scenario);
  }
}

export function startTimedMockOpenAIServer(options: MockServerOptions = {}): Promise<TimedMockOpenAIServer> {
  return new TimedMockOpenAIServer(options).start();
}
