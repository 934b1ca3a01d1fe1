interface Waiter {
  isolated: boolean;
  admit(): void;
}

/**
 * Which steps of one executor process may be in flight together. A step whose earlier start ended
 * with no result (its process died) runs isolated: alone on the process. If the process dies then,
 * no other run had a step in flight there, so the crash is that step's alone and no other run
 * counts it. Every other step shares the gate.
 *
 * A holder keeps the gate from before its StepStarted is appended until its result is, so a crash
 * while it holds it leaves exactly the holders' steps in flight in the log. Waiters enter in order;
 * an isolated one waits for the shared holders, which give the gate back at their next step
 * boundary (`isolationWaiting`), and no step enters behind it meanwhile.
 */
export class StepGate {
  private shared = 0;
  private isolated = false;
  private readonly queue: Waiter[] = [];

  /** An isolated step waits: shared holders should give the gate back at their next step boundary. */
  get isolationWaiting(): boolean {
    return this.queue.some((waiter) => waiter.isolated);
  }

  /** Steps in flight on this process now (for tests and metrics). */
  get holders(): number {
    return this.isolated ? 1 : this.shared;
  }

  /** Resolves true once entered; false when `signal` aborted first (nothing is held then). */
  enter(isolated: boolean, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.queue.length === 0 && this.admits(isolated)) {
      this.take(isolated);
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const onAbort = () => {
        const index = this.queue.indexOf(waiter);
        if (index >= 0) this.queue.splice(index, 1);
        // A shared waiter behind a withdrawn isolated one may go now.
        this.pump();
        resolve(false);
      };
      const waiter: Waiter = {
        isolated,
        admit: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(true);
        },
      };
      this.queue.push(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  leave(isolated: boolean): void {
    if (isolated) this.isolated = false;
    else this.shared = Math.max(0, this.shared - 1);
    this.pump();
  }

  private admits(isolated: boolean): boolean {
    return isolated ? !this.isolated && this.shared === 0 : !this.isolated;
  }

  private take(isolated: boolean): void {
    if (isolated) this.isolated = true;
    else this.shared += 1;
  }

  private pump(): void {
    while (this.queue.length > 0 && this.admits(this.queue[0].isolated)) {
      const waiter = this.queue.shift()!;
      this.take(waiter.isolated);
      waiter.admit();
    }
  }
}
