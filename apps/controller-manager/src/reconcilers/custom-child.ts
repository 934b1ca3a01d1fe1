import { findBuiltinKind, findCondition, findCustomKind, keyOf, servedCustomKinds, withCustomDefaults, type Resource } from '@kastra/api';
import type { Problem } from '../assessment';
import { describeKey, notReadyBecause } from '../reference-checker';

/** How often a System waiting for a kind looks again, besides being requeued when a CRD changes. */
export const KIND_NOT_SERVED_RECHECK_MS = 30_000;

/** True for a child of a kind a CustomResourceDefinition adds (a System's `spec.resources`). */
export function isCustomChild(child: Resource): boolean {
  return !findBuiltinKind(child.kind);
}

/**
 * A System's child of a custom kind as the store keeps it: its kind served under the apiVersion
 * written, converted to the CRD's storage version with the schema's defaults filled in (as the
 * gateway does on every write). A problem naming the kind when no CRD serves it (yet).
 */
export function storedCustomChild(child: Resource): Resource | Problem {
  const key = keyOf(child);
  const storage = findCustomKind(child.kind);
  if (!storage) {
    return {
      reason: 'KindNotServed',
      message: `${describeKey(key)}: kind ${child.kind} (${child.apiVersion}) is not served: no established CustomResourceDefinition defines it yet`,
      recheckAfterMs: KIND_NOT_SERVED_RECHECK_MS,
    };
  }
  const versions = servedCustomKinds().filter((kind) => kind.kind === child.kind && kind.definedBy === storage.definedBy);
  const served = versions.find((kind) => `${kind.group}/${kind.version}` === child.apiVersion);
  if (!served) {
    return {
      reason: 'KindNotServed',
      message: `${describeKey(key)}: kind ${child.kind} is not served as ${child.apiVersion} (served: ${versions.map((k) => `${k.group}/${k.version}`).join(', ')})`,
      recheckAfterMs: KIND_NOT_SERVED_RECHECK_MS,
    };
  }
  const defaulted = withCustomDefaults(child, served);
  return served.conversion ? served.conversion.toStored(defaulted) : defaulted;
}

/**
 * Why a child of a custom kind does not count as Ready, or undefined when it does. A kind with the
 * status subresource has a controller to report on it (e.g. a plugin): its Ready condition decides,
 * and until it has one the child is not reconciled yet. A kind without it counts by existence
 * alone, unless its objects carry a Ready condition anyway, which then decides.
 */
export function customChildNotReadyBecause(child: Resource): string | undefined {
  if (child.metadata.deletionTimestamp) return 'it is being deleted';
  const hasStatus = findCustomKind(child.kind)?.hasStatus === true;
  if (!hasStatus && !findCondition(child.status?.conditions, 'Ready')) return undefined;
  return notReadyBecause(child);
}
