import { findKindByName, type Resource } from '@kastra/api';

const MANAGER_ANNOTATION = 'mastra.ai/field-manager';

/**
 * Server-side apply as Kastra does it: the applied manifest is the desired state of the manager's
 * object. Its spec (or Secret data, or an RBAC object's rules, roleRef and subjects), when present, replaces the current one — so a field removed
 * from the file is removed — while labels and annotations are merged with what others set, and server fields,
 * status and finalizers are kept. Field ownership across several managers (managedFields) is not
 * tracked; the last applier wins.
 */
export function applyServerSide(current: Resource | undefined, applied: Resource, fieldManager: string): Resource {
  const meta = applied.metadata ?? ({} as Resource['metadata']);
  const annotations = { ...(current?.metadata.annotations ?? {}), ...(meta.annotations ?? {}), [MANAGER_ANNOTATION]: fieldManager };
  const base: Resource = current ? structuredClone(current) : { apiVersion: applied.apiVersion, kind: applied.kind, metadata: { name: meta.name } };
  const result: Resource = {
    ...base,
    apiVersion: applied.apiVersion ?? base.apiVersion,
    kind: applied.kind ?? base.kind,
    metadata: {
      ...base.metadata,
      name: meta.name ?? base.metadata.name,
      ...(meta.namespace ?? base.metadata.namespace ? { namespace: meta.namespace ?? base.metadata.namespace } : {}),
      labels: { ...(current?.metadata.labels ?? {}), ...(meta.labels ?? {}) },
      annotations,
      ...(meta.finalizers ? { finalizers: meta.finalizers } : {}),
      ...(meta.ownerReferences ? { ownerReferences: meta.ownerReferences } : {}),
    },
  };
  if (Object.keys(result.metadata.labels ?? {}).length === 0) delete result.metadata.labels;
  // A manifest that does not mention the content (kubectl's annotation-only applies) keeps it.
  if (applied.kind === 'Secret') {
    if (applied.data !== undefined || applied.stringData !== undefined) {
      result.data = applied.data;
      result.stringData = applied.stringData;
    }
    if (applied.type !== undefined) result.type = applied.type;
  } else {
    // The kind's content fields (spec; a Role's rules; a binding's roleRef and subjects) are replaced together.
    const fields = findKindByName(applied.kind)?.bodyFields ?? ['spec'];
    const source = applied as unknown as Record<string, unknown>;
    const target = result as unknown as Record<string, unknown>;
    if (fields.some((field) => source[field] !== undefined)) {
      for (const field of fields) {
        if (source[field] === undefined) delete target[field];
        else target[field] = source[field];
      }
    }
  }
  return result;
}
