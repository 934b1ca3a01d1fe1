const MAX_NAME_LENGTH = 63;

/**
 * A resource name (DNS-1123 label) from what a Mastra project calls a thing: `weatherAgent`,
 * `Weather Agent` and `weather_agent` all give `weather-agent`. Empty input gives `fallback`.
 */
export function resourceName(text: string, fallback = 'migrated'): string {
  const name = text
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_NAME_LENGTH)
    .replace(/-+$/, '');
  return name === '' ? fallback : name;
}

/** A workflow step id (letters, digits, `-`, `_`; alphanumeric at both ends), kept close to the Mastra id. */
export function stepIdOf(text: string, fallback = 'step'): string {
  const id = text
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '')
    .slice(0, MAX_NAME_LENGTH)
    .replace(/[-_]+$/, '');
  return id === '' || id === 'END' ? fallback : id;
}

/** Hands out names unique within one set: `name`, then `name-2`, `name-3`… */
export class UniqueNames {
  private readonly taken = new Set<string>();

  claim(name: string): string {
    let candidate = name;
    for (let n = 2; this.taken.has(candidate); n++) {
      const suffix = `-${n}`;
      candidate = `${name.slice(0, MAX_NAME_LENGTH - suffix.length)}${suffix}`;
    }
    this.taken.add(candidate);
    return candidate;
  }
}
