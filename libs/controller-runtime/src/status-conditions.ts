import { derivePhase, setCondition, type ConditionStatus, type Resource, type ResourceStatus } from '@kastra/api';

/** What a reconcile found, said the way conditions say it. */
export interface ConditionReport {
  /** CamelCase, e.g. `Reachable`, `ConnectionRefused`. */
  reason: string;
  /** For a person: what was found, or what is wrong and what to do. */
  message: string;
}

/**
 * The object's status with condition `type` set (its transition time kept while its status
 * holds), observedGeneration of the object, and the phase derived from the conditions. Other
 * status fields are kept; `fields` adds or replaces some.
 */
export function statusWithCondition(
  object: Pick<Resource, 'metadata' | 'status'>,
  type: string,
  status: ConditionStatus,
  report: ConditionReport,
  fields: Record<string, unknown> = {},
  now: () => Date = () => new Date(),
): ResourceStatus {
  const generation = object.metadata.generation;
  const conditions = setCondition(object.status?.conditions, { type, status, reason: report.reason, message: report.message, observedGeneration: generation }, now);
  return { ...object.status, ...fields, observedGeneration: generation, phase: derivePhase(conditions), conditions };
}

/** `Ready` True or False with a reason and message. */
export function readyStatus(object: Pick<Resource, 'metadata' | 'status'>, ready: boolean, report: ConditionReport, fields?: Record<string, unknown>): ResourceStatus {
  return statusWithCondition(object, 'Ready', ready ? 'True' : 'False', report, fields);
}

/** Deep equality of JSON values (key order ignored), to skip writes that change nothing. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  const aEntries = Object.entries(a).filter(([, value]) => value !== undefined);
  const bRecord = b as Record<string, unknown>;
  const bCount = Object.values(bRecord).filter((value) => value !== undefined).length;
  return aEntries.length === bCount && aEntries.every(([key, value]) => sameJson(value, bRecord[key]));
}
