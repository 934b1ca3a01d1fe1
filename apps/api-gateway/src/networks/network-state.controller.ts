import { Controller, Get, Inject, Param, Patch, Query, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { API_GROUP_VERSION, BadRequestError, ConflictError, NotFoundError, RequestEntityTooLargeError, UnsupportedMediaTypeError } from '@kastra/api';
import { NetworkStateError, NetworkStateStore, type NetworkState, type NetworkStateChange } from '@kastra/network-state';
import { applyMergePatch, RESOURCE_STORE, type ResourceStore } from '@kastra/resource-store';
import { principalOf, type AuthenticatedRequest } from '../auth/request-principal';
import { mediaTypeOf, parseObjectBody } from '../http/parse-manifest';
import type { RequestWithRawBody } from '../http/raw-body.middleware';
import { queryFlag, queryValue, timeoutSecondsOf, type RequestQuery } from '../http/request-query';
import { sendJson } from '../http/send-json';

const STATE_PATH = `apis/${API_GROUP_VERSION}/namespaces/:namespace/networks/:name/state`;
/** SSE comments keep proxies from closing a quiet watch. */
const KEEPALIVE_MS = 15_000;
const PATCH_TYPES = new Set(['application/merge-patch+json', 'application/json']);

interface NetworkStateSpec {
  persistence?: boolean;
  ttl?: number;
}

/**
 * The state of a Network's thread (`networks/state`, RBAC verbs get and patch):
 * `GET ...?thread=T` answers `{thread, values, expiresAt}`, `GET ...?thread=T&watch=true` streams
 * every change as Server-Sent Events (the live keys first), `PATCH` merges a JSON merge patch
 * into it (null deletes a key). Only persistent states (`spec.state.persistence: true`) are
 * served: the others live in the memory of the network-router running each run (409).
 */
@Controller()
export class NetworkStateController {
  constructor(
    @Inject(RESOURCE_STORE) private readonly store: ResourceStore,
    private readonly states: NetworkStateStore,
  ) {}

  @Get(STATE_PATH)
  async get(@Param('namespace') namespace: string, @Param('name') name: string, @Query() query: RequestQuery, @Res() res: Response): Promise<void> {
    const { state, thread } = await this.open(namespace, name, query);
    if (queryFlag(query, 'watch')) return this.watch(state, query, res);
    sendJson(res, 200, { thread, ...(await guarded(name, () => state.snapshot())) });
  }

  @Patch(STATE_PATH)
  async patch(
    @Param('namespace') namespace: string,
    @Param('name') name: string,
    @Query() query: RequestQuery,
    @Req() req: AuthenticatedRequest & RequestWithRawBody,
    @Res() res: Response,
  ): Promise<void> {
    const contentType = req.headers['content-type'];
    if (!PATCH_TYPES.has(mediaTypeOf(contentType))) {
      throw new UnsupportedMediaTypeError(`the state is patched with a JSON merge patch: Content-Type application/merge-patch+json (or application/json)`);
    }
    const patch = parseObjectBody(req.rawBody, contentType);
    const { state, thread } = await this.open(namespace, name, query, `user:${principalOf(req).sub}`);
    // RFC 7386 on the state as read: each key named is replaced by its merged value (null: deleted).
    const current = await guarded(name, () => state.getAll());
    const merged = applyMergePatch(current, patch);
    await guarded(name, () => state.update(Object.fromEntries(Object.keys(patch).map((key) => [key, key in merged ? merged[key] : null]))));
    sendJson(res, 200, { thread, ...(await guarded(name, () => state.snapshot())) });
  }

  private async open(namespace: string, name: string, query: RequestQuery, actor?: string): Promise<{ state: NetworkState; thread: string }> {
    const thread = queryValue(query, 'thread');
    if (!thread) throw new BadRequestError('the thread query parameter is required: .../state?thread=THREAD');
    const network = await this.store.get({ kind: 'Network', namespace, name });
    if (!network) throw new NotFoundError('networks', name);
    const spec = ((network.spec ?? {}) as { state?: NetworkStateSpec }).state ?? {};
    if (!spec.persistence) {
      throw new ConflictError(
        'networks',
        name,
        'its state is not persistent (spec.state.persistence is false): it lives in the memory of the network-router running each run and is not served by the API; set spec.state.persistence: true to keep it in the log',
      );
    }
    const state = await guarded(name, async () => this.states.open({ namespace, network: name, thread, persistence: true, ttlSeconds: spec.ttl, ...(actor ? { actor } : {}) }));
    return { state, thread };
  }

  private watch(state: NetworkState, query: RequestQuery, res: Response): void {
    const timeoutSeconds = timeoutSecondsOf(query);
    res.status(200).set({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.flushHeaders();
    let sequence = 0;
    const send = (change: NetworkStateChange) => res.write(`id: ${++sequence}\nevent: ${change.deleted ? 'deleted' : 'set'}\ndata: ${JSON.stringify(change)}\n\n`);
    const stop = state.watch(send);
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
    const timeout = timeoutSeconds !== undefined ? setTimeout(() => res.end(), timeoutSeconds * 1000) : undefined;
    res.on('close', () => {
      stop();
      clearInterval(keepalive);
      clearTimeout(timeout);
    });
  }
}

/** The state's refusals as API errors: too large is 413, a lost race 409, the rest 400. */
async function guarded<T>(name: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof NetworkStateError)) throw error;
    if (error.reason === 'value_too_large' || error.reason === 'state_too_large') throw new RequestEntityTooLargeError(error.message);
    if (error.reason === 'conflict') throw new ConflictError('networks', name, error.message);
    throw new BadRequestError(error.message);
  }
}
