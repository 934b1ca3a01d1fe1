/** What `subscribe` returns: call `unsubscribe()` to stop receiving. */
export interface Subscription {
  unsubscribe(): void;
}

export type EventHandler<T = unknown> = (message: T, topic: string) => void;

/**
 * In-process publish/subscribe between the runtime and its controllers. Topics are dot-separated
 * (`resource.Agent`, `run.WorkflowRun`, `agent.reconciled`); a subscription to `resource.*` gets
 * every topic under `resource.`, and `*` gets everything. Handlers run synchronously in
 * subscription order; one that throws does not keep the others from running (its error goes to
 * `onHandlerError`, by default console.error).
 */
export class EventBus {
  private readonly handlers = new Map<string, Set<EventHandler<never>>>();

  constructor(private readonly onHandlerError: (error: unknown, topic: string) => void = (error, topic) => console.error(`EventBus: a handler of ${topic} threw`, error)) {}

  publish<T>(topic: string, message: T): void {
    for (const [pattern, handlers] of this.handlers) {
      if (!matches(pattern, topic)) continue;
      for (const handler of [...handlers]) {
        try {
          (handler as EventHandler<T>)(message, topic);
        } catch (error) {
          this.onHandlerError(error, topic);
        }
      }
    }
  }

  subscribe<T = unknown>(topic: string, handler: EventHandler<T>): Subscription {
    let set = this.handlers.get(topic);
    if (!set) this.handlers.set(topic, (set = new Set()));
    set.add(handler as EventHandler<never>);
    return {
      unsubscribe: () => {
        set.delete(handler as EventHandler<never>);
        if (set.size === 0 && this.handlers.get(topic) === set) this.handlers.delete(topic);
      },
    };
  }

  /** Number of handlers currently subscribed (any topic). */
  get subscriberCount(): number {
    let count = 0;
    for (const set of this.handlers.values()) count += set.size;
    return count;
  }
}

function matches(pattern: string, topic: string): boolean {
  if (pattern === '*' || pattern === topic) return true;
  return pattern.endsWith('.*') && topic.startsWith(pattern.slice(0, -1));
}
