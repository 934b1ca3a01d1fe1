import { formatKey, type Resource, type ResourceKey } from '@kastra/api';

/** What the cache reads from (the resource store, or anything with its `get`). */
export interface ResourceSource {
  get(key: ResourceKey): Promise<Resource | undefined>;
  revealSecretValue?(namespace: string, name: string, key: string): Promise<string | undefined>;
}

/**
 * The Agents and Tools of one advance of a run, each read once. A run of many steps calling the
 * same tool read it from Postgres before every step; now an edit made while a run is being
 * advanced is picked up on its next advance (a retry, a resume, a replica taking it over), which
 * is also when a changed Workflow would not be (runs keep the spec they started with).
 * Secret values are never cached: they are read each time they are needed.
 */
export class ResourceCache implements ResourceSource {
  private readonly reads = new Map<string, Promise<Resource | undefined>>();

  constructor(private readonly source: ResourceSource) {}

  get(key: ResourceKey): Promise<Resource | undefined> {
    const id = formatKey(key);
    let read = this.reads.get(id);
    if (!read) {
      read = this.source.get(key);
      this.reads.set(id, read);
      // A failed read is not remembered: the next call tries again.
      read.catch(() => this.reads.delete(id));
    }
    return read;
  }

  revealSecretValue(namespace: string, name: string, key: string): Promise<string | undefined> {
    return this.source.revealSecretValue?.(namespace, name, key) ?? Promise.resolve(undefined);
  }
}
