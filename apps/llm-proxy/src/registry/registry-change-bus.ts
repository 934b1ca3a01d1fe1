import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { NATS_CONNECTION, NATS_PREFIX } from '@kastra/messaging';

/** Subject on which replicas tell each other that registry rows changed. */
export function registryChangedSubject(prefix: string): string {
  return `${prefix}.llm.registry.changed`;
}

/**
 * What changed: model resolutions (models, their keys, providers, LLM resources) or users'
 * limits. Each cache listens to its own part only, so a burst of user-limit writes does not make
 * every model be read again, and the other way round.
 */
export type RegistryPart = 'models' | 'user-limits';
const PARTS: readonly RegistryPart[] = ['models', 'user-limits'];

/**
 * Says "this part of the registry changed" to this process (synchronously) and to every other
 * replica (NATS core publish), so that cached reads of it are dropped everywhere. The message
 * names the part only, never a row: a replica that misses one still re-reads within the cache
 * lifetime. A message without a known part (an older replica) or that cannot be read drops
 * every part.
 */
@Injectable()
export class RegistryChangeBus implements OnModuleInit, OnModuleDestroy {
  private readonly origin = randomUUID();
  private readonly listeners = new Map<RegistryPart, Set<() => void>>(PARTS.map((part) => [part, new Set()]));
  private subscription?: Subscription;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(NATS_PREFIX) private readonly prefix: string,
  ) {}

  onModuleInit(): void {
    this.subscription = this.nc.subscribe(registryChangedSubject(this.prefix), {
      callback: (error, message) => {
        if (error) return;
        const change = parseChange(message.data);
        if (change.origin === this.origin) return;
        for (const part of change.part ? [change.part] : PARTS) this.emitLocally(part);
      },
    });
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  onChange(part: RegistryPart, listener: () => void): () => void {
    const listeners = this.listeners.get(part)!;
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  changed(part: RegistryPart): void {
    this.emitLocally(part);
    if (!this.nc.isClosed()) this.nc.publish(registryChangedSubject(this.prefix), JSON.stringify({ origin: this.origin, part }));
  }

  private emitLocally(part: RegistryPart): void {
    for (const listener of this.listeners.get(part)!) listener();
  }
}

function parseChange(data: Uint8Array): { origin?: string; part?: RegistryPart } {
  try {
    const parsed = JSON.parse(Buffer.from(data).toString('utf8')) as { origin?: unknown; part?: unknown };
    return {
      ...(typeof parsed.origin === 'string' ? { origin: parsed.origin } : {}),
      ...(PARTS.includes(parsed.part as RegistryPart) ? { part: parsed.part as RegistryPart } : {}),
    };
  } catch {
    return {};
  }
}
