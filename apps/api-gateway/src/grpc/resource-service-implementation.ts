import { once } from 'node:events';
import {
  Metadata,
  type sendUnaryData,
  status as GrpcStatus,
  type ServerUnaryCall,
  type ServerWritableStream,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { Logger } from '@nestjs/common';
import { ApiError } from '@kastra/api';
import { toGrpcStatus } from '../errors/api-error-status';
import type { ResourceRpcHandlers } from './resource-rpc-handlers';
import type {
  ApplyRequest,
  DeleteRequest,
  GetRequest,
  ListRequest,
  ListResponse,
  ResourceResponse,
  WatchEventMessage,
  WatchRequest,
} from './resource-rpc-messages';

/** The grpc-js side of ResourceService: (de)serialises to JSON text and maps errors to statuses. */
export function resourceServiceImplementation(
  handlers: ResourceRpcHandlers,
  logger: Logger,
  /** Aborted when the server shuts down: open watches then end with UNAVAILABLE. */
  stopping: AbortSignal,
): UntypedServiceImplementation {
  const unary =
    <Req, Res>(method: string, handle: (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>) =>
    (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
      handle(call.request, call).then(
        (response) => callback(null, response),
        (error: unknown) => callback(statusOf(error, method, logger)),
      );
    };

  return {
    Apply: unary<ApplyRequest, ResourceResponse>('Apply', async (request, call) => toResponse(await handlers.apply(request, call.metadata))),
    Get: unary<GetRequest, ResourceResponse>('Get', async (request, call) => toResponse(await handlers.get(request, call.metadata))),
    List: unary<ListRequest, ListResponse>('List', async (request, call) => {
      const list = await handlers.list(request, call.metadata);
      return {
        items_json: list.items.map((item) => JSON.stringify(item)),
        resource_version: list.resourceVersion,
        continue: list.continue ?? '',
        ...(list.remainingItemCount !== undefined ? { remaining_item_count: String(list.remainingItemCount) } : {}),
      };
    }),
    Delete: unary<DeleteRequest, ResourceResponse>('Delete', async (request, call) => toResponse(await handlers.delete(request, call.metadata))),
    Watch: (call: ServerWritableStream<WatchRequest, WatchEventMessage>) => {
      void serveWatch(handlers, call, logger, stopping);
    },
  };
}

/** What a watch cut by a server shutdown ends with: retryable, and says how to resume. */
const SHUTTING_DOWN = {
  code: GrpcStatus.UNAVAILABLE,
  details: 'the server is shutting down: watch again from the last resourceVersion received',
};

/**
 * Streams watch events until the client cancels, the server stops (`stopping`) or the watch
 * fails; each of them aborts the store's watch so nothing keeps reading the log for nobody.
 */
async function serveWatch(
  handlers: ResourceRpcHandlers,
  call: ServerWritableStream<WatchRequest, WatchEventMessage>,
  logger: Logger,
  stopping: AbortSignal,
): Promise<void> {
  const abort = new AbortController();
  let cancelled = false;
  call.on('cancelled', () => {
    cancelled = true;
    abort.abort();
  });
  const onStopping = () => abort.abort();
  stopping.addEventListener('abort', onStopping);
  if (stopping.aborted) abort.abort();
  try {
    // The headers tell the client the starting point is fixed: a change made from now on is seen.
    const events = await handlers.watch(call.request, call.metadata, abort.signal, () => call.sendMetadata(new Metadata()));
    for await (const event of events) {
      if (abort.signal.aborted) break;
      const flushed = call.write({ type: event.type, object_json: JSON.stringify(event.object) });
      // A slow client must not make the server buffer the whole log: wait for it (or its cancel).
      if (!flushed) await once(call, 'drain', { signal: abort.signal });
    }
    if (cancelled) return;
    if (stopping.aborted) call.emit('error', SHUTTING_DOWN);
    else call.end();
  } catch (error) {
    if (cancelled) return;
    call.emit('error', stopping.aborted ? SHUTTING_DOWN : statusOf(error, 'Watch', logger));
  } finally {
    abort.abort();
    stopping.removeEventListener('abort', onStopping);
  }
}

function toResponse(object: unknown): ResourceResponse {
  return { object_json: JSON.stringify(object) };
}

/** A client's mistake is its answer; anything else is logged here and answered as INTERNAL. */
function statusOf(error: unknown, method: string, logger: Logger): { code: number; details: string } {
  if (!(error instanceof ApiError)) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    logger.error(`gRPC ${method} failed: ${reason}`, error instanceof Error ? error.stack : undefined);
  }
  return toGrpcStatus(error);
}
