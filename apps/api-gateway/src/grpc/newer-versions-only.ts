import { formatKey, keyOf, type Resource } from '@kastra/api';
import type { WatchEvent } from '@kastra/resource-store';

/**
 * Watch events less those that show an object at a version already shown (by a list the watch
 * starts after, or by an earlier event). A list's position stops below the oldest transaction
 * still in flight anywhere in the database cluster, so it can lag behind the objects its snapshot
 * shows, and their events would come again. One object's events only grow in position (its
 * stream is written in order), so an event at or below a version already shown is a repeat.
 */
export async function* newerVersionsOnly(events: AsyncIterable<WatchEvent>, alreadyShown: readonly Resource[] = []): AsyncIterable<WatchEvent> {
  const shown = new Map<string, bigint>();
  const remember = (object: Resource, position: bigint) => shown.set(formatKey(keyOf(object)), position);
  for (const object of alreadyShown) {
    const position = positionOf(object.metadata.resourceVersion);
    if (position !== undefined) remember(object, position);
  }
  for await (const event of events) {
    const position = positionOf(event.object.metadata.resourceVersion);
    if (position !== undefined) {
      const before = shown.get(formatKey(keyOf(event.object)));
      if (before !== undefined && position <= before) continue;
      remember(event.object, position);
    }
    yield event;
  }
}

function positionOf(resourceVersion: string | undefined): bigint | undefined {
  return resourceVersion !== undefined && /^\d+$/.test(resourceVersion) ? BigInt(resourceVersion) : undefined;
}
