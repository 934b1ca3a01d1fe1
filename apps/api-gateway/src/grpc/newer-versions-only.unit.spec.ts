import type { Resource } from '@kastra/api';
import type { WatchEvent } from '@kastra/resource-store';
import { newerVersionsOnly } from './newer-versions-only';

const llm = (name: string, resourceVersion: string): Resource => ({
  apiVersion: 'mastra.ai/v1',
  kind: 'LLM',
  metadata: { name, namespace: 'default', resourceVersion },
  spec: { provider: 'mock', model: 'm' },
});

async function* eventsOf(...events: WatchEvent[]): AsyncIterable<WatchEvent> {
  yield* events;
}

async function collect(events: AsyncIterable<WatchEvent>): Promise<string[]> {
  const seen: string[] = [];
  for await (const event of events) seen.push(`${event.type} ${event.object.metadata.name}@${event.object.metadata.resourceVersion}`);
  return seen;
}

describe('newerVersionsOnly', () => {
  it('drops the events of versions a list already showed, and keeps what came after', async () => {
    // Given a list showing a@10 and b@12, and a watch that starts behind it
    const listed = [llm('a', '10'), llm('b', '12')];
    const events = eventsOf(
      { type: 'ADDED', object: llm('a', '9') },
      { type: 'MODIFIED', object: llm('a', '10') },
      { type: 'ADDED', object: llm('b', '12') },
      { type: 'ADDED', object: llm('c', '11') },
      { type: 'MODIFIED', object: llm('a', '13') },
    );
    // When it is filtered
    // Then only the versions the list did not show remain, in order
    expect(await collect(newerVersionsOnly(events, listed))).toEqual(['ADDED c@11', 'MODIFIED a@13']);
  });

  it('sends no object version twice, and a later one of the same name (re-created) again', async () => {
    const events = eventsOf(
      { type: 'ADDED', object: llm('a', '5') },
      { type: 'ADDED', object: llm('a', '5') },
      { type: 'DELETED', object: llm('a', '7') },
      { type: 'ADDED', object: llm('a', '20') },
      { type: 'ADDED', object: llm('a', '100') },
    );
    expect(await collect(newerVersionsOnly(events))).toEqual(['ADDED a@5', 'DELETED a@7', 'ADDED a@20', 'ADDED a@100']);
  });
});
