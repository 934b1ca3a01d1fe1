import { EventStore, StreamVersionConflictError } from '@kastra/event-store';
import type { Logger } from '@kastra/telemetry';
import { LLM_CALL_RECORDED, usageStreamId, type LlmCallRecorded } from './llm-call-recorded';

interface PendingUsage {
  streamId: string;
  data: LlmCallRecorded;
  traceparent?: string;
}

/** Most events appended in one transaction. */
const MAX_BATCH = 200;
/**
 * How long a recorded call may wait for its batch. Each batch is about seven round trips to
 * Postgres; at 25 ms a busy sequential client paid ~0.8 ms of proxy CPU per call for them.
 */
export const DEFAULT_USAGE_FLUSH_MS = 100;
const MAX_CONFLICT_RETRIES = 20;

/**
 * Appends LlmCallRecorded events in small batches off the request path: one writer per process,
 * so hot day-streams see one append per batch instead of one per call (every append to a stream
 * takes the next stream version, and concurrent ones would conflict). A version conflict with
 * another replica is retried.
 */
export class UsageRecorder {
  private pending: PendingUsage[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly logger: Logger,
    private readonly flushIntervalMs = DEFAULT_USAGE_FLUSH_MS,
  ) {}

  record(data: LlmCallRecorded, traceparent?: string): void {
    this.pending.push({ streamId: usageStreamId(new Date()), data, traceparent });
    if (this.pending.length >= MAX_BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.flushIntervalMs);
  }

  /** Appends everything recorded so far (called on shutdown and by tests). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.flushing) await this.flushing;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.flushing = this.appendBatch(batch).finally(() => (this.flushing = undefined));
    await this.flushing;
    if (this.pending.length > 0) await this.flush();
  }

  private async appendBatch(batch: PendingUsage[]): Promise<void> {
    const byStream = new Map<string, PendingUsage[]>();
    for (const item of batch) byStream.set(item.streamId, [...(byStream.get(item.streamId) ?? []), item]);
    for (const [streamId, items] of byStream) {
      for (let attempt = 0; ; attempt++) {
        try {
          await this.store.append(
            streamId,
            items.map((item) => ({ type: LLM_CALL_RECORDED, data: item.data as unknown as Record<string, unknown> })),
            { metadata: { actor: 'service:llm-proxy', ...(items.length === 1 && items[0].traceparent ? { traceparent: items[0].traceparent } : {}) } },
          );
          break;
        } catch (error) {
          if (error instanceof StreamVersionConflictError && attempt < MAX_CONFLICT_RETRIES) {
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * (attempt + 1)));
            continue;
          }
          // Usage must not be lost silently: say how much and why (no keys are in these events).
          this.logger.error({ err: error, streamId, events: items.length }, 'could not record LLM usage events');
          break;
        }
      }
    }
  }
}
