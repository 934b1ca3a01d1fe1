/**
 * A benchmark stopped from outside (run-all's timeout sends SIGTERM, Ctrl-C SIGINT) never reaches
 * its `finally`: its child services, test database, NATS streams and temp dirs would outlive it.
 * `cleanUpOnStop(cleanUp)` returns `cleanUp` made run-once; call it in the `finally`, and it also
 * runs when the process is told to stop, before the process exits (143 for SIGTERM, 130 for SIGINT).
 */
const pending = new Set<() => Promise<void>>();

export function cleanUpOnStop(cleanUp: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  const once = (): Promise<void> => {
    pending.delete(once);
    return (running ??= cleanUp());
  };
  pending.add(once);
  stopHandlers.install();
  return once;
}

const stopHandlers = {
  installed: false,
  install(): void {
    if (this.installed) return;
    this.installed = true;
    for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
      process.once(signal, () => {
        console.error(`benchmark stopped (${signal}): cleaning up`);
        void Promise.allSettled([...pending].map((cleanUp) => cleanUp())).finally(() => process.exit(code));
      });
    }
  },
};
