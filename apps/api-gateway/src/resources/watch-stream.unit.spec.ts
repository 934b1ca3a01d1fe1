import type { Response } from 'express';
import { BadRequestError } from '@kastra/api';
import type { ResourceStore } from '@kastra/resource-store';
import { createLogger } from '@kastra/telemetry';
import { streamWatch } from './watch-stream';

/** Records what streamWatch does to its response. */
function recordingResponse() {
  const calls: string[] = [];
  const res = {
    status: (code: number) => (calls.push(`status ${code}`), res),
    setHeader: () => res,
    flushHeaders: () => calls.push('flushHeaders'),
    on: () => res,
    off: () => res,
    write: (chunk: string) => (calls.push(`write ${chunk.trim()}`), true),
    end: () => calls.push('end'),
    writableEnded: false,
  };
  return { res: res as unknown as Response, calls };
}

describe('streamWatch', () => {
  it('refuses a resourceVersion that is not a log position with a 400, before any 200 goes out', async () => {
    // Given a store that would stream if asked
    let watched = 0;
    const store = { watch: async function* () { watched++; } } as unknown as ResourceStore;
    for (const resourceVersion of ['99999999999999999999999', '12abc', '-1']) {
      const { res, calls } = recordingResponse();
      // When a watch starts from it
      const started = streamWatch(res, { store, query: { kind: 'LLM' }, resourceVersion, render: (event) => event.object, logger: createLogger('watch-test') });
      // Then it rejects with a BadRequestError naming the version, and nothing was sent
      await expect(started).rejects.toBeInstanceOf(BadRequestError);
      await expect(started).rejects.toThrow(/invalid resource version/);
      expect(calls).toEqual([]);
    }
    expect(watched).toBe(0);
  });
});
