import { createHash } from 'node:crypto';

/**
 * `<parent>-<part>` (a run an engine creates for a step of another), lower-cased to a DNS label
 * and shortened with a hash when it would pass the 63-character name limit. The same parent and
 * part always give the same name, so a step run again finds the run it created before.
 */
export function childRunName(parent: string, part: string): string {
  const name = `${parent}-${part.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`;
  if (name.length <= 63) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, 54).replace(/-+$/, '')}-${hash}`;
}
