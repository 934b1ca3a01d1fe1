import type { Resource, ResourceStatus } from '@kastra/api';
import { ApiResourceClient, ApiRequestError, type ApiConnection, type KindLocation } from './api-resource-client';
import type { ControllerLogger } from './controller-logger';
import { Informer, splitObjectKey, type InformerSource } from './informer';
import { ReconcileLoop, type LoopOutcome, type ReconcileResult } from './reconcile-loop';
import { readyStatus, sameJson, statusWithCondition, type ConditionReport } from './status-conditions';
import { WorkQueue, type WorkQueueOptions } from './work-queue';

/** What one reconcile gets: the key, the object as the informer last saw it, and status helpers. */
export interface ReconcileRequest {
  /** `namespace/name` (`name` for cluster-scoped kinds). */
  key: string;
  namespace: string;
  name: string;
  /** The object now; undefined once deleted (clean up what it held outside the API). */
  object: Resource | undefined;
  /** Writes `status` unless the object already has it; a concurrent write retries the reconcile on the newer object. */
  setStatus(status: ResourceStatus): Promise<void>;
  /** Sets condition `Ready` (with observedGeneration and phase) through setStatus. */
  setReady(ready: boolean, report: ConditionReport, fields?: Record<string, unknown>): Promise<void>;
  /** Sets any condition through setStatus. */
  setCondition(type: string, status: 'True' | 'False' | 'Unknown', report: ConditionReport): Promise<void>;
}

export interface ControllerOptions {
  /** The kind reconciled, where the API serves it. */
  kind: KindLocation;
  /** The gateway and the plugin's token. */
  connection: ApiConnection;
  /**
   * Level-based and idempotent: brings the world in line with the object as it is now. Return
   * `{ requeueAfterMs }` to look again later (polling something that signals nothing); throw to
   * retry with exponential backoff.
   */
  reconcile(request: ReconcileRequest): Promise<ReconcileResult | void>;
  /** Keys reconciled at the same time (never one key twice at once). @default 2 */
  concurrency?: number;
  /** Backoff of failing reconciles. @default 200 ms × 2^n, at most 60 s */
  backoff?: Pick<WorkQueueOptions, 'baseDelayMs' | 'factor' | 'maxDelayMs'>;
  /** Every object is reconciled again this often. @default 5 min */
  resyncIntervalMs?: number;
  logger?: ControllerLogger;
  /** Lists and watches here instead of through `connection` (tests). */
  source?: InformerSource;
}

export interface Controller {
  /** Lists, starts watching and reconciling; resolves once the first list is queued. */
  start(): Promise<void>;
  /** Stops watching and waits for the reconciles in flight. */
  stop(): Promise<void>;
  /** The API client of the kind, for reads beyond the informer's cache. */
  readonly client: ApiResourceClient;
  /** An object as the informer last saw it (`namespace/name`), undefined when it does not exist. */
  get(key: string): Resource | undefined;
}

/**
 * A controller of one kind, the way the controller-manager runs its own: an informer (list and
 * watch through the API) puts object keys in a rate-limited work queue that holds each key once;
 * workers reconcile each key with the object as it is now; failures back off exponentially per
 * key, `requeueAfterMs` schedules a later look, a status write that lost a race is retried at once.
 */
export function createController(options: ControllerOptions): Controller {
  const client = new ApiResourceClient(options.connection, options.kind);
  const queue = new WorkQueue(options.backoff);
  // What of each object a reconcile depends on, as last queued: a change of status alone (the
  // controller's own status writes above all) does not wake the reconcile again — it would write
  // again (a lastCheckTime, say), and so on forever. Resync and requeueAfter still do.
  const queuedShapes = new Map<string, string>();
  const informer: Informer = new Informer(options.source ?? client, {
    onChange: (key, cause) => {
      const shape = reconciledShapeOf(informer.get(key));
      if (cause !== 'resync' && shape !== undefined && queuedShapes.get(key) === shape) return;
      if (shape === undefined) queuedShapes.delete(key);
      else queuedShapes.set(key, shape);
      queue.add(key);
    },
    resyncIntervalMs: options.resyncIntervalMs,
    logger: options.logger,
  });
  const process = async (key: string): Promise<LoopOutcome> => {
    let conflict = false;
    let object = informer.get(key);
    const setStatus = async (status: ResourceStatus) => {
      if (!object || sameJson(status, object.status)) return;
      try {
        object = await client.writeStatus(object, status);
      } catch (error) {
        if (error instanceof ApiRequestError && error.status === 409) conflict = true;
        else if (!(error instanceof ApiRequestError && error.status === 404)) throw error;
      }
    };
    const { namespace, name } = splitObjectKey(key);
    const result = await options.reconcile({
      key,
      namespace,
      name,
      object,
      setStatus,
      setReady: (ready, report, fields) => (object ? setStatus(readyStatus(object, ready, report, fields)) : Promise.resolve()),
      setCondition: (type, status, report) => (object ? setStatus(statusWithCondition(object, type, status, report)) : Promise.resolve()),
    });
    // Someone wrote in between: decide again on the newer object (the watch brings it), without backoff.
    if (conflict) return { requeueAfterMs: 200, keepBackoff: true };
    return result ?? {};
  };
  const loop = new ReconcileLoop({ queue, process, concurrency: options.concurrency ?? 2, logger: options.logger });
  return {
    client,
    get: (key) => informer.get(key),
    async start() {
      loop.start();
      await informer.start();
      options.logger?.info({ kind: options.kind.plural, objects: informer.list().length }, 'controller started');
    },
    async stop() {
      await informer.stop();
      await loop.stop();
    },
  };
}

/** The object without its status and write bookkeeping (resourceVersion, managedFields); undefined once deleted. */
function reconciledShapeOf(object: Resource | undefined): string | undefined {
  if (!object) return undefined;
  const { status: _status, metadata, ...rest } = object;
  const { resourceVersion: _rv, managedFields: _managed, ...meta } = metadata as Resource['metadata'] & { managedFields?: unknown };
  return JSON.stringify({ ...rest, metadata: meta });
}
