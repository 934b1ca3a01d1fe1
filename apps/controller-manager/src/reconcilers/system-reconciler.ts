import { expandSystem, findCustomKind, ForbiddenError, InvalidError, keyOf, NotFoundError, type Resource, type ResourceKey } from '@kastra/api';
import type { ResourceStore, WritingPrincipal, WriteContext } from '@kastra/resource-store';
import { sameJson, type Assessment, type Problem } from '../assessment';
import type { KindReconciler } from '../kind-reconciler';
import { describeKey, notReadyBecause, ReferenceChecker } from '../reference-checker';
import { customChildNotReadyBecause, isCustomChild, storedCustomChild } from './custom-child';

/** How often a System blocked by an object it does not own looks again (that object's deletion is not signalled to it). */
const CONFLICT_RECHECK_MS = 30_000;

/** What writing one child asks of the System's last writer, as RBAC attributes. */
export interface ChildWriteAttributes {
  verb: 'create' | 'update';
  apiGroup: string;
  resource: string;
  namespace: string;
  name: string;
}

export interface SystemReconcilerOptions {
  /**
   * Whether the System's last writer may write a child of a custom kind. The built-in roles do
   * not cover custom kinds, so a System must not create what its writer could not.
   * @default every writer may (the one-user embedded runtime)
   */
  mayWriteCustomChild?: (writer: WritingPrincipal | undefined, attributes: ChildWriteAttributes) => boolean;
}

/** An existing object the System would have to take over. */
class ChildConflictError extends Error {
  override readonly name = 'ChildConflictError';
}

/**
 * A System owns the resources it declares: it creates the missing ones, updates those whose spec
 * or labels drifted (server-side apply), deletes owned ones no longer declared, and is Ready when
 * every child is. It never takes over an object that it does not own. Children of custom kinds
 * (`spec.resources`) are written once their kind is served, in its storage version with its
 * schema's defaults, and count as Ready by their Ready condition, or by existence without one.
 */
export class SystemReconciler implements KindReconciler {
  readonly kind = 'System';
  private readonly references: ReferenceChecker;

  constructor(
    private readonly store: ResourceStore,
    private readonly options: SystemReconcilerOptions = {},
  ) {
    this.references = new ReferenceChecker(store);
  }

  async reconcile(system: Resource, ctx: WriteContext): Promise<Assessment> {
    const uid = system.metadata.uid;
    if (!uid) throw new Error(`${describeKey(keyOf(system))} has no uid`);
    // Children check their own references' readiness; here only existence of external ones.
    const problems: Problem[] = await this.references.check(system, { existenceOnly: ['Secret', 'LLM', 'Tool', 'Agent', 'Workflow', 'Network'] });
    const desired = expandSystem(system);
    // Children are written on behalf of whoever last wrote the System: with that principal's rights, never the controller's.
    const writer = await this.store.lastWriter(keyOf(system));
    ctx = writer ? { ...ctx, principal: writer } : ctx;
    const children: Array<{ kind: string; name: string; ready: boolean }> = [];
    const notReady: string[] = [];
    for (const declared of desired) {
      const key = keyOf(declared);
      const custom = isCustomChild(declared);
      // A child of a custom kind waits for its CRD; the controller-manager requeues Systems when CRDs change.
      let child = custom ? storedCustomChild(declared) : declared;
      if (custom && !('reason' in child)) child = (await this.forbidden(child, writer)) ?? child;
      const applied = 'reason' in child ? child : await this.apply(child, uid, ctx).catch((error: unknown) => conflictOrInvalid(error, key, system));
      if ('reason' in applied) {
        problems.push(applied);
        children.push({ kind: key.kind, name: key.name, ready: false });
        continue;
      }
      const because = custom ? customChildNotReadyBecause(applied) : notReadyBecause(applied);
      children.push({ kind: key.kind, name: key.name, ready: !because });
      if (because) notReady.push(`${describeKey(key)} is not Ready: ${because}`);
    }
    if (notReady.length > 0) problems.push({ reason: 'ChildrenNotReady', message: notReady.join('; ') });
    await this.deleteUndeclared(uid, desired.map(keyOf), ctx);
    return {
      problems,
      readyMessage: `${desired.length} child resource${desired.length === 1 ? '' : 's'} Ready`,
      fields: { children },
    };
  }

  /** A problem when the System's last writer may not write this child of a custom kind. */
  private async forbidden(child: Resource, writer: WritingPrincipal | undefined): Promise<Problem | undefined> {
    const may = this.options.mayWriteCustomChild;
    const kind = findCustomKind(child.kind);
    if (!may || !kind) return undefined;
    const key = keyOf(child);
    const verb = (await this.store.get(key)) ? 'update' : 'create';
    if (may(writer, { verb, apiGroup: kind.group, resource: kind.plural, namespace: key.namespace, name: key.name })) return undefined;
    return {
      reason: 'ChildForbidden',
      message: `${describeKey(key)}: the System's last writer${writer ? ` "${writer.sub}"` : ''} may not ${verb} ${kind.plural}.${kind.group} in namespace "${key.namespace}", and children are written with its rights`,
      recheckAfterMs: CONFLICT_RECHECK_MS,
    };
  }

  /** Creates or updates one child; returns it as stored. Writes nothing when it already matches. */
  private async apply(child: Resource, uid: string, ctx: WriteContext): Promise<Resource> {
    const key = keyOf(child);
    const current = await this.store.get(key);
    if (current && !controlledBy(current, uid)) throw new ChildConflictError();
    if (current && matches(current, child, uid)) return current;
    return this.store.patch(
      key,
      (latest) => {
        if (!latest) return child;
        if (!controlledBy(latest, uid)) throw new ChildConflictError();
        return {
          ...latest,
          metadata: {
            ...latest.metadata,
            labels: { ...latest.metadata.labels, ...child.metadata.labels },
            ownerReferences: [
              ...(latest.metadata.ownerReferences ?? []).filter((ref) => ref.uid !== uid),
              ...(child.metadata.ownerReferences ?? []),
            ],
          },
          spec: child.spec,
        };
      },
      ctx,
      { createIfMissing: true },
    );
  }

  private async deleteUndeclared(uid: string, declared: ResourceKey[], ctx: WriteContext): Promise<void> {
    const keep = new Set(declared.map((key) => `${key.kind}/${key.namespace}/${key.name}`));
    for (const key of await this.store.ownedBy(uid)) {
      if (keep.has(`${key.kind}/${key.namespace}/${key.name}`)) continue;
      await this.store.delete(key, ctx).catch((error: unknown) => {
        if (!(error instanceof NotFoundError)) throw error;
      });
    }
  }
}

function controlledBy(resource: Resource, uid: string): boolean {
  return (resource.metadata.ownerReferences ?? []).some((ref) => ref.uid === uid && ref.controller);
}

function matches(current: Resource, child: Resource, uid: string): boolean {
  const labels = current.metadata.labels ?? {};
  const labelsMatch = Object.entries(child.metadata.labels ?? {}).every(([name, value]) => labels[name] === value);
  const ownerMatches = (current.metadata.ownerReferences ?? []).some((ref) =>
    sameJson(ref, child.metadata.ownerReferences?.find((wanted) => wanted.uid === uid)),
  );
  return labelsMatch && ownerMatches && sameJson(current.spec ?? {}, child.spec ?? {});
}

function conflictOrInvalid(error: unknown, key: ResourceKey, system: Resource): Problem {
  const owner = describeKey(keyOf(system));
  if (error instanceof ChildConflictError) {
    return {
      reason: 'ChildConflict',
      message: `${describeKey(key)} already exists and is not owned by ${owner}: delete it or rename the child`,
      recheckAfterMs: CONFLICT_RECHECK_MS,
    };
  }
  if (error instanceof ForbiddenError) {
    return { reason: 'ChildForbidden', message: `${describeKey(key)} cannot be written with the rights of the System's last writer: ${error.message}`, recheckAfterMs: CONFLICT_RECHECK_MS };
  }
  if (error instanceof InvalidError) {
    const causes = error.causes.map((cause) => `${cause.field}: ${cause.message}`).join('; ');
    return { reason: 'InvalidChild', message: `${describeKey(key)} is invalid: ${causes || error.message}`, terminal: true };
  }
  throw error;
}
