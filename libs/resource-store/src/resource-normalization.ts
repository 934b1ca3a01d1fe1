import { randomUUID } from 'node:crypto';
import { findKindByName, storedNamespace, type Resource } from '@kastra/api';

/** Kubernetes timestamps have second precision: 2026-01-02T03:04:05Z. */
export function kubernetesNow(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Stable JSON (sorted keys) for "did it change" comparisons. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

export function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a ?? null) === canonicalJson(b ?? null);
}

/** Top-level fields holding an object's desired state: `spec`, or the kind's own (Secret's data, a Role's rules). */
function bodyFieldsOf(kindName: string): string[] {
  return findKindByName(kindName)?.bodyFields ?? ['spec'];
}

/** The part of an object whose change bumps `metadata.generation`. */
export function desiredStateOf(resource: Resource): unknown {
  if (resource.kind === 'Secret') return { data: resource.data, type: resource.type };
  const fields = bodyFieldsOf(resource.kind);
  if (fields.length === 1 && fields[0] === 'spec') return resource.spec;
  const object = resource as unknown as Record<string, unknown>;
  return Object.fromEntries(fields.map((field) => [field, object[field]]));
}

/** A new object as the server stores it on create: server fields set, client-set ones dropped. */
export function forCreate(input: Resource, namespace: string | undefined): Resource {
  const meta = input.metadata ?? ({} as Resource['metadata']);
  const object: Resource = {
    apiVersion: input.apiVersion,
    kind: input.kind,
    metadata: {
      name: meta.name,
      // Cluster-scoped objects have no namespace (one given is dropped, as the apiserver does).
      ...(findKindByName(input.kind)?.namespaced === false ? {} : { namespace: storedNamespace(input.kind, namespace ?? meta.namespace) }),
      ...(meta.labels ? { labels: meta.labels } : {}),
      ...(meta.annotations ? { annotations: meta.annotations } : {}),
      uid: randomUUID(),
      generation: 1,
      creationTimestamp: kubernetesNow(),
      ...(meta.finalizers?.length ? { finalizers: meta.finalizers } : {}),
      ...(meta.ownerReferences?.length ? { ownerReferences: meta.ownerReferences } : {}),
    },
  };
  copyBody(input, object);
  if (findKindByName(object.kind)?.hasStatus !== false) object.status = {};
  return object;
}

/** The next version of an existing object: client-owned fields from `input`, server fields kept. */
export function forUpdate(current: Resource, input: Resource): Resource {
  const meta = input.metadata ?? ({} as Resource['metadata']);
  const object: Resource = {
    apiVersion: current.apiVersion,
    kind: current.kind,
    metadata: {
      name: current.metadata.name,
      ...(current.metadata.namespace !== undefined ? { namespace: current.metadata.namespace } : {}),
      ...(meta.labels && Object.keys(meta.labels).length ? { labels: meta.labels } : {}),
      ...(meta.annotations && Object.keys(meta.annotations).length ? { annotations: meta.annotations } : {}),
      uid: current.metadata.uid,
      generation: current.metadata.generation,
      creationTimestamp: current.metadata.creationTimestamp,
      ...(current.metadata.deletionTimestamp ? { deletionTimestamp: current.metadata.deletionTimestamp } : {}),
      ...(meta.finalizers?.length ? { finalizers: meta.finalizers } : {}),
      ...(meta.ownerReferences?.length ? { ownerReferences: meta.ownerReferences } : {}),
    },
  };
  copyBody(input, object);
  // Status is the status subresource's to write; a custom kind without one keeps it in its body.
  if (current.status !== undefined && !bodyFieldsOf(current.kind).includes('status')) object.status = current.status;
  if (!sameJson(desiredStateOf(object), desiredStateOf(current))) {
    object.metadata.generation = (current.metadata.generation ?? 1) + 1;
  }
  return object;
}

function copyBody(from: Resource, to: Resource): void {
  const source = from as unknown as Record<string, unknown>;
  const target = to as unknown as Record<string, unknown>;
  for (const field of bodyFieldsOf(from.kind)) {
    if (source[field] !== undefined) target[field] = source[field];
  }
}
