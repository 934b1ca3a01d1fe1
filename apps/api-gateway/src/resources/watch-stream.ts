import type { Response } from 'express';
import { ApiError } from '@kastra/api';
import { checkWatchResourceVersion, type ListQuery, type ResourceStore, type WatchEvent } from '@kastra/resource-store';
import type { Logger } from '@kastra/telemetry';
import { toKubernetesStatus } from '../errors/api-error-status';

export interface WatchStreamOptions {
  store: ResourceStore;
  query: ListQuery;
  /** The watch's `resourceVersion` parameter: unset and "0" start with the current objects. */
  resourceVersion: string | undefined;
  timeoutSeconds?: number;
  /** What each event carries as its object (the object itself, or a one-row Table). */
  render: (event: WatchEvent) => unknown;
  logger: Logger;
}

/**
 * Streams a Kubernetes watch: chunked `application/json`, one `{"type","object"}` per line, until
 * the client goes away, `timeoutSeconds` pass or the store fails. A resourceVersion that is not a
 * log position is a 400 before the stream starts; one the log no longer has becomes an ERROR
 * event carrying a 410 Status (clients then re-list).
 */
export async function streamWatch(res: Response, options: WatchStreamOptions): Promise<void> {
  // Before the 200 goes out: an unusable resourceVersion is the request's 400, not a stream event.
  checkWatchResourceVersion(options.resourceVersion);
  const abort = new AbortController();
  const stop = () => abort.abort();
  // 'close' on the response fires when the client disconnects (or the response ends).
  res.on('close', stop);
  const timer = options.timeoutSeconds !== undefined ? setTimeout(stop, options.timeoutSeconds * 1000) : undefined;
  res.status(200);
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Cache-Control', 'no-cache, private');
  res.flushHeaders();
  // Kubernetes: an unset or "0" resourceVersion starts with synthetic ADDED events of every object.
  const from = options.resourceVersion === undefined || options.resourceVersion === '' ? '0' : options.resourceVersion;
  try {
    for await (const event of options.store.watch(options.query, from, abort.signal)) {
      if (abort.signal.aborted) break;
      res.write(`${JSON.stringify({ type: event.type, object: options.render(event) })}\n`);
    }
  } catch (error) {
    if (!abort.signal.aborted) {
      if (!(error instanceof ApiError)) options.logger.error({ err: error, kind: options.query.kind }, 'watch failed');
      res.write(`${JSON.stringify({ type: 'ERROR', object: toKubernetesStatus(error) })}\n`);
    }
  } finally {
    if (timer) clearTimeout(timer);
    res.off('close', stop);
    abort.abort();
    if (!res.writableEnded) res.end();
  }
}
