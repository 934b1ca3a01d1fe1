import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ConflictError, crdConditions, CRD_KIND, NotFoundError, viewOf, type Condition, type Resource } from '@kastra/api';
import { CustomResourceDefinitionFollower, RESOURCE_STORE, type ResourceStore, type WriteContext } from '@kastra/resource-store';
import type { Logger } from '@kastra/telemetry';
import { GATEWAY_LOGGER } from '../gateway-logger';

const STATUS_WRITER: WriteContext = { actor: 'system:api-gateway', principal: { sub: 'system:api-gateway', groups: ['system:masters'] } };

/**
 * Serves the kinds of the CustomResourceDefinitions in the store (CustomResourceDefinitionFollower:
 * listed at start, then followed through their watch), so every replica serves a new kind as soon
 * as its CRD commits, and stops serving a deleted one. A write through this replica is
 * applied at once (`observe`). Each replica also sets the CRDs' NamesAccepted and Established
 * conditions when they differ from what it serves; replicas racing on one write lose with a
 * conflict, which is fine: they all compute the same conditions.
 */
@Injectable()
export class CustomResourceDefinitions implements OnModuleInit, OnApplicationShutdown {
  private readonly follower: CustomResourceDefinitionFollower;

  constructor(
    @Inject(RESOURCE_STORE) private readonly store: ResourceStore,
    @Inject(GATEWAY_LOGGER) private readonly logger: Logger,
  ) {
    this.follower = new CustomResourceDefinitionFollower({ store, logger, onChange: (crds) => this.writeAllConditions(crds) });
  }

  async onModuleInit(): Promise<void> {
    await this.follower.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.follower.stop();
  }

  /** A CRD this process just wrote or deleted, served (or no longer) before its watch event comes. */
  observe(object: Resource, deleted = false): void {
    this.follower.observe(object, deleted);
  }

  private writeAllConditions(crds: readonly Resource[]): void {
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    for (const crd of crds) {
      if (crd.metadata.deletionTimestamp) continue;
      const wanted = crdConditions(crd.metadata.name, now);
      if (sameConditions(crd.status?.conditions ?? [], wanted) && sameJson(storedVersionsOf(crd), crd.status?.storedVersions)) continue;
      void this.writeConditions(crd, wanted);
    }
  }

  private async writeConditions(crd: Resource, conditions: Condition[]): Promise<void> {
    const previous = crd.status?.conditions ?? [];
    // A condition keeps its lastTransitionTime while its status stays.
    const merged = conditions.map((condition) => {
      const before = previous.find((c) => c.type === condition.type);
      return before && before.status === condition.status && before.lastTransitionTime ? { ...condition, lastTransitionTime: before.lastTransitionTime } : condition;
    });
    const accepted = merged.some((c) => c.type === 'NamesAccepted' && c.status === 'True');
    const names = (crd.spec as { names?: unknown } | undefined)?.names;
    try {
      await this.store.updateStatus(
        { kind: CRD_KIND, namespace: '', name: crd.metadata.name },
        { ...(crd.status ?? {}), conditions: merged, acceptedNames: accepted ? names : {}, storedVersions: storedVersionsOf(crd) },
        STATUS_WRITER,
        crd.metadata.resourceVersion,
      );
    } catch (error) {
      if (error instanceof ConflictError || error instanceof NotFoundError) return;
      this.logger.warn({ crd: crd.metadata.name, err: String(error) }, 'could not write the conditions of a CustomResourceDefinition');
    }
  }
}

/** Versions objects may have been stored in: those recorded before and the current storage version. */
function storedVersionsOf(crd: Resource): string[] {
  const before = Array.isArray(crd.status?.storedVersions) ? (crd.status.storedVersions as string[]) : [];
  const storage = viewOf(crd).versions.find((version) => version.storage)?.name;
  return [...new Set([...before, ...(storage ? [storage] : [])])];
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function sameConditions(have: readonly Condition[], want: readonly Condition[]): boolean {
  return want.every((w) => have.some((h) => h.type === w.type && h.status === w.status && h.reason === w.reason && h.message === w.message));
}
