import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { NATS_CONNECTION, NATS_PREFIX } from '@kastra/messaging';
import { decodeRunKey, workflowRunWorkQueue } from '@kastra/run-engine';

/**
 * The executor's word that an advance of a WorkflowRun ended with its status written (core NATS,
 * one subscription per gateway): a synchronous execute reads its run then, instead of waiting
 * for the log to reach its watch. Only a hint — a lost one leaves the watch to see the status.
 */
@Injectable()
export class RunAdvancedNotices implements OnModuleDestroy {
  private subscription?: Subscription;
  private readonly listeners = new Map<string, Set<() => void>>();

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(NATS_PREFIX) private readonly prefix: string,
  ) {}

  /** Calls `onAdvanced` each time an advance of the run ends; returns how to stop. */
  listen(namespace: string, name: string, onAdvanced: () => void): () => void {
    this.subscribe();
    const id = `${namespace}/${name}`;
    let listeners = this.listeners.get(id);
    if (!listeners) this.listeners.set(id, (listeners = new Set()));
    listeners.add(onAdvanced);
    return () => {
      listeners.delete(onAdvanced);
      if (listeners.size === 0 && this.listeners.get(id) === listeners) this.listeners.delete(id);
    };
  }

  private subscribe(): void {
    const subject = workflowRunWorkQueue(this.prefix).advancedSubject;
    if (this.subscription || !subject) return;
    this.subscription = this.nc.subscribe(subject, {
      callback: (error, message) => {
        if (error) return;
        const key = decodeRunKey('WorkflowRun', message.data);
        if (!key) return;
        for (const listener of this.listeners.get(`${key.namespace}/${key.name}`) ?? []) listener();
      },
    });
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }
}
