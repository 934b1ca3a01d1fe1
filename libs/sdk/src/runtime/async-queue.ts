/** A push-to-pull bridge: a producer pushes, ends or fails; a `for await` consumer gets each item once. */
export function asyncQueue<T>(): { push(item: T): void; end(): void; fail(error: unknown): void; iterable: AsyncIterable<T> } {
  const items: T[] = [];
  let done = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  return {
    push(item) {
      if (done) return;
      items.push(item);
      notify();
    },
    end() {
      done = true;
      notify();
    },
    fail(error) {
      failure ??= { error };
      done = true;
      notify();
    },
    iterable: {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          while (items.length > 0) yield items.shift() as T;
          if (done) {
            if (failure) throw failure.error;
            return;
          }
          await new Promise<void>((resolve) => (wake = resolve));
        }
      },
    },
  };
}
