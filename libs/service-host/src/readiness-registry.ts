import { Injectable } from '@nestjs/common';

/** Resolves true when the dependency is usable (a pool query, a NATS flush...). */
export type ReadinessCheck = () => Promise<boolean>;

export interface ReadinessReport {
  ready: boolean;
  /** Names of the checks that returned false, threw or timed out. */
  failing: string[];
}

/** How long one check may take before it counts as failing. @default 2 seconds */
const CHECK_TIMEOUT_MS = 2000;

/**
 * The checks behind `/readyz`. Modules register theirs at init (`register('postgres', ...)`);
 * the service is ready when all pass and it is not shutting down.
 */
@Injectable()
export class ReadinessRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();
  private draining = false;

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  /** Called on shutdown so that load balancers stop sending work before connections close. */
  markDraining(): void {
    this.draining = true;
  }

  async evaluate(): Promise<ReadinessReport> {
    const entries = [...this.checks.entries()];
    const results = await Promise.all(entries.map(async ([name, check]) => ((await passes(check)) ? undefined : name)));
    const failing = results.filter((name): name is string => name !== undefined);
    if (this.draining) failing.unshift('shutdown');
    return { ready: failing.length === 0, failing };
  }
}

async function passes(check: ReadinessCheck): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS);
  });
  try {
    return (await Promise.race([check().then((ok) => ok === true), timeout])) === true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
