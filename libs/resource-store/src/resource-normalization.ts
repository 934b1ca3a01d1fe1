import { randomUUID } from 'node:crypto';
import { DEFAULT_NAMESPACE, type Resource } from '@kastra/api';

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

/** The part of an object whose change bumps `metadata.generation`. */
export function desiredStateOf(resource: Resource): unknown {
  return resource.kind === 'Secret' ? { data: resource.data, type: resource.type } : resource.spec;
}

/** A new object as the server stores it on create: server fields set, client-set ones dropped. */
export function forCreate(input: Resource, namespace: string | undefined): Resource {
  const meta = input.metadata ?? ({} as Resource['metadata']);
  const object: Resource = {
    apiVersion: input.apiVersion,
    kind: input.kind,
    metadata: {
      name: meta.name,
      namespace: namespace ?? meta.namespace ?? DEFAULT_NAMESPACE,
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
  if (object.kind !== 'Secret') object.status = {};
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
      namespace: current.metadata.namespace,
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
  if (current.status !== undefined) object.status = current.status;
  if (!sameJson(desiredStateOf(object), desiredStateOf(current))) {
    object.metadata.generation = (current.metadata.generation ?? 1) + 1;
  }
  return object;
}

function copyBody(from: Resource, to: Resource): void {
  if (from.kind === 'Secret') {
    if (from.type !== undefined) to.type = from.type;
    if (from.data !== undefined) to.data = from.data;
    if (from.stringData !== undefined) to.stringData = from.stringData;
  } else if (from.spec !== undefined) {
    to.spec = from.spec;
  }
}
