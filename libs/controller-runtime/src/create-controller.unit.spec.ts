import type { Resource } from '@kastra/api';
import { ApiRequestError, type ApiWatchEvent } from './api-resource-client';
import { createController, type ReconcileRequest } from './create-controller';
import { Informer, type InformerSource } from './informer';

const kind = { group: 'example.com', version: 'v1', plural: 'widgets' };
const widget = (name: string, resourceVersion: string, spec: Record<string, unknown> = {}): Resource => ({
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name, namespace: 'default', resourceVersion, generation: 1 },
  spec,
});

/** A list and a watch the test drives: `emit` sends an event, `fail` ends the watch with an error. */
class FakeSource implements InformerSource {
  items: Resource[] = [];
  lists = 0;
  private emitter?: (event: ApiWatchEvent) => void;
  private ender?: (error?: unknown) => void;

  async list() {
    this.lists++;
    return { items: this.items, resourceVersion: String(this.lists * 100) };
  }

  watch(_rv: string, onEvent: (event: ApiWatchEvent) => void, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      this.emitter = onEvent;
      this.ender = (error) => (error ? reject(error) : resolve());
      signal.addEventListener('abort', () => resolve());
    });
  }

  emit(type: ApiWatchEvent['type'], object: Resource) {
    this.emitter?.({ type, object });
  }

  fail(error: unknown) {
    this.ender?.(error);
  }
}

const until = async (check: () => boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('createController', () => {
  const realFetch = global.fetch;
  let writes: { method: string; url: string; body: Record<string, unknown> }[];
  let answer: (body: Record<string, unknown>) => Response;

  beforeEach(() => {
    writes = [];
    answer = (body) => new Response(JSON.stringify({ ...body, metadata: { ...(body.metadata as object), resourceVersion: String(900 + writes.length) } }), { status: 200 });
    global.fetch = (async (url: string, init: RequestInit) => {
      const body = JSON.parse(String(init.body)) as Record<string, unknown>;
      writes.push({ method: String(init.method), url, body });
      return answer(body);
    }) as typeof fetch;
  });

  afterEach(() => {
    global.fetch = realFetch;
  });

  it('reconciles each listed object by key, writes Ready through the status subresource once, and not again when unchanged', async () => {
    // Given one Widget and a controller that finds every widget ready
    const source = new FakeSource();
    source.items = [widget('a', '5')];
    const seen: ReconcileRequest[] = [];
    const controller = createController({
      kind,
      connection: { baseUrl: 'http://gateway', token: 't0k' },
      source,
      resyncIntervalMs: 0,
      reconcile: async (request) => {
        seen.push(request);
        await request.setReady(true, { reason: 'Checked', message: 'all good' });
      },
    });
    // When it starts
    await controller.start();
    await until(() => writes.length === 1);
    // Then the status went to .../namespaces/default/widgets/a/status with the read resourceVersion
    expect(seen[0]).toMatchObject({ key: 'default/a', namespace: 'default', name: 'a' });
    expect(writes[0].method).toBe('PUT');
    expect(writes[0].url).toBe('http://gateway/apis/example.com/v1/namespaces/default/widgets/a/status');
    expect(writes[0].body).toMatchObject({
      metadata: { resourceVersion: '5' },
      status: { phase: 'Ready', observedGeneration: 1, conditions: [{ type: 'Ready', status: 'True', reason: 'Checked', message: 'all good' }] },
    });
    // And when the watch brings back the written object (its status alone changed), no reconcile runs and nothing is written
    const written = { ...widget('a', '901'), status: writes[0].body.status } as Resource;
    source.emit('MODIFIED', written);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await controller.stop();
    expect(seen).toHaveLength(1);
    expect(writes).toHaveLength(1);
  });

  it('is not woken by its own status writes, even one that differs every time; a spec change and a resync wake it', async () => {
    // Given a controller that stamps the time of each check into status (as a poller does)
    const source = new FakeSource();
    source.items = [widget('a', '5', { size: 1 })];
    const seen: (Record<string, unknown> | undefined)[] = [];
    const controller = createController({
      kind,
      connection: { baseUrl: 'http://gateway' },
      source,
      resyncIntervalMs: 300,
      reconcile: async (request) => {
        seen.push(request.object?.spec);
        await request.setReady(true, { reason: 'Checked', message: 'ok' }, { lastCheckTime: `t${seen.length}` });
      },
    });
    await controller.start();
    await until(() => writes.length === 1);
    // When the watch brings back each status it wrote
    source.emit('MODIFIED', { ...widget('a', '901', { size: 1 }), status: writes[0].body.status } as Resource);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Then it did not check again (no loop of writes)
    expect(seen).toHaveLength(1);
    // When the spec changes, Then it reconciles the new spec
    source.emit('MODIFIED', { ...widget('a', '902', { size: 2 }), status: writes[0].body.status } as Resource);
    await until(() => seen.length === 2);
    expect(seen[1]).toEqual({ size: 2 });
    // And the periodic resync still hands the unchanged object over
    await until(() => seen.length >= 3, 2000);
    await controller.stop();
  });

  it('hands a burst of changes of one key to one reconcile of the latest object, and a deletion as no object', async () => {
    // Given a controller whose first reconcile is slow
    const source = new FakeSource();
    source.items = [widget('a', '1', { size: 1 })];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const seen: (Record<string, unknown> | undefined)[] = [];
    const controller = createController({
      kind,
      connection: { baseUrl: 'http://gateway' },
      source,
      resyncIntervalMs: 0,
      reconcile: async ({ object }) => {
        seen.push(object?.spec);
        if (seen.length === 1) await gate;
      },
    });
    await controller.start();
    await until(() => seen.length === 1);
    // When three changes arrive while it runs
    source.emit('MODIFIED', widget('a', '2', { size: 2 }));
    source.emit('MODIFIED', widget('a', '3', { size: 3 }));
    source.emit('MODIFIED', widget('a', '4', { size: 4 }));
    release();
    await until(() => seen.length === 2);
    // Then one more reconcile sees only the latest spec
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).toEqual([{ size: 1 }, { size: 4 }]);
    // And a deletion is reconciled with no object
    source.emit('DELETED', widget('a', '5', { size: 4 }));
    await until(() => seen.length === 3);
    await controller.stop();
    expect(seen[2]).toBeUndefined();
  });

  it('retries a failing reconcile with backoff and honours requeueAfterMs', async () => {
    const source = new FakeSource();
    source.items = [widget('flaky', '1'), widget('poll', '1')];
    const calls: Record<string, number[]> = { 'default/flaky': [], 'default/poll': [] };
    const started = Date.now();
    const controller = createController({
      kind,
      connection: { baseUrl: 'http://gateway' },
      source,
      resyncIntervalMs: 0,
      backoff: { baseDelayMs: 20, factor: 2 },
      reconcile: async ({ key }) => {
        calls[key].push(Date.now() - started);
        if (key === 'default/flaky' && calls[key].length < 3) throw new Error('not yet');
        if (key === 'default/poll') return { requeueAfterMs: 30 };
      },
    });
    await controller.start();
    await until(() => calls['default/flaky'].length === 3 && calls['default/poll'].length >= 3);
    await controller.stop();
    const flaky = calls['default/flaky'];
    // 20 ms then 40 ms between attempts (backoff doubles); poll comes back every ~30 ms
    expect(flaky[1] - flaky[0]).toBeGreaterThanOrEqual(18);
    expect(flaky[2] - flaky[1]).toBeGreaterThanOrEqual(38);
    const poll = calls['default/poll'];
    expect(poll[1] - poll[0]).toBeGreaterThanOrEqual(28);
  });

  it('reconciles again when its status write lost a race (409) and gives up on a 404 quietly', async () => {
    const source = new FakeSource();
    source.items = [widget('a', '1')];
    let reconciles = 0;
    answer = (body) =>
      writes.length === 1
        ? new Response(JSON.stringify({ kind: 'Status', code: 409, reason: 'Conflict', message: 'the object has been modified' }), { status: 409 })
        : new Response(JSON.stringify(body), { status: 200 });
    const controller = createController({
      kind,
      connection: { baseUrl: 'http://gateway' },
      source,
      resyncIntervalMs: 0,
      reconcile: async (request) => {
        reconciles++;
        await request.setReady(false, { reason: 'Unreachable', message: `attempt ${reconciles}` });
      },
    });
    await controller.start();
    await until(() => writes.length === 2);
    await controller.stop();
    expect(reconciles).toBe(2);
    expect(writes[1].body).toMatchObject({ status: { conditions: [{ status: 'False', message: 'attempt 2' }] } });
  });
});

describe('Informer', () => {
  it('lists again after an expired watch (410) and reports objects deleted meanwhile', async () => {
    // Given an informer over two objects
    const source = new FakeSource();
    source.items = [widget('a', '1'), widget('b', '1')];
    const changed: string[] = [];
    const informer = new Informer(source, { onChange: (key) => changed.push(key), resyncIntervalMs: 0, retryDelayMs: 10 });
    await informer.start();
    expect(changed).toEqual(['default/a', 'default/b']);
    // When b is deleted while the watch is down and the watch fails with 410 Gone
    source.items = [widget('a', '2')];
    await until(() => source.lists === 1);
    source.fail(new ApiRequestError(410, 'Expired', 'too old resource version'));
    await until(() => source.lists === 2);
    await informer.stop();
    // Then both keys are handed out again and b is gone from the cache
    expect(changed.slice(2).sort()).toEqual(['default/a', 'default/b']);
    expect(informer.get('default/b')).toBeUndefined();
    expect(informer.get('default/a')?.metadata.resourceVersion).toBe('2');
  });
});
