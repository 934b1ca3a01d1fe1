import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { NATS_CONNECTION, NATS_PREFIX } from '@kastra/messaging';

/** Subject on which replicas tell each other that registry rows changed. */
export function registryChangedSubject(prefix: string): string {
  return `${prefix}.llm.registry.changed`;
}

/**
 * Says "the registry changed" to this process (synchronously) and to every other replica (NATS
 * core publish), so that cached resolutions are dropped everywhere. The message carries no data:
 * a replica that misses one still re-reads within the cache TTL.
 */
@Injectable()
export class RegistryChangeBus implements OnModuleInit, OnModuleDestroy {
  private readonly origin = randomUUID();
  private readonly listeners = new Set<() => void>();
  private subscription?: Subscription;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(NATS_PREFIX) private readonly prefix: string,
  ) {}

  onModuleInit(): void {
    this.subscription = this.nc.subscribe(registryChangedSubject(this.prefix), {
      callback: (error, message) => {
        if (error) return;
        const origin = safeOrigin(message.data);
        if (origin !== this.origin) this.emitLocally();
      },
    });
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(): void {
    this.emitLocally();
    if (!this.nc.isClosed()) this.nc.publish(registryChangedSubject(this.prefix), JSON.stringify({ origin: this.origin }));
  }

  private emitLocally(): void {
    for (const listener of this.listeners) listener();
  }
}

function safeOrigin(data: Uint8Array): string | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(data).toString('utf8')) as { origin?: unknown };
    return typeof parsed.origin === 'string' ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}
