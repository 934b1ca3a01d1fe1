import { API_GROUP, API_GROUP_VERSION, DEFAULT_NAMESPACE, type Resource } from '../resource';
import { asArray, asRecord } from './builtin-kind';
import { systemChildren } from './system-kind';
import { systemResourceEntries } from './system-resources';

/** Label put on every child of a System: the System's name. */
export const SYSTEM_LABEL = `${API_GROUP}/system`;

/**
 * The child resources a System declares (built-in kinds from their lists, then `spec.resources`
 * of custom kinds): same namespace, the names given in the System, the
 * System's labels plus `mastra.ai/system`, and a controller ownerReference (when the System has
 * a uid) so deleting the System deletes them.
 */
export function expandSystem(system: Resource): Resource[] {
  const namespace = system.metadata.namespace || DEFAULT_NAMESPACE;
  const spec = asRecord(system.spec) ?? {};
  const ownerReferences = system.metadata.uid
    ? [
        {
          apiVersion: API_GROUP_VERSION,
          kind: 'System',
          name: system.metadata.name,
          uid: system.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]
    : undefined;
  const labelsOf = (declared: Record<string, string> | undefined) => ({ ...system.metadata.labels, ...declared, [SYSTEM_LABEL]: system.metadata.name });
  // Objects of custom kinds, under the apiVersion written: the controller converts and defaults them once their kind is served.
  const custom: Resource[] = systemResourceEntries(spec, ['spec'])
    .filter((entry) => typeof entry.apiVersion === 'string' && typeof entry.kind === 'string' && typeof entry.name === 'string')
    .map((entry) => ({
      apiVersion: entry.apiVersion as string,
      kind: entry.kind as string,
      metadata: { name: entry.name as string, namespace, labels: labelsOf(entry.labels), ...(ownerReferences ? { ownerReferences } : {}) },
      ...(entry.spec ? { spec: entry.spec } : {}),
    }));
  const builtin = systemChildren(spec, ['spec'])
    .filter((child) => typeof child.name === 'string' && child.spec !== undefined)
    .map((child) => {
      const declared = asRecord(asRecord(asArray(spec[child.list])[child.index])?.labels) as Record<string, string> | undefined;
      return {
        apiVersion: API_GROUP_VERSION,
        kind: child.kind.kind,
        metadata: {
          name: child.name as string,
          namespace,
          labels: labelsOf(declared),
          ...(ownerReferences ? { ownerReferences } : {}),
        },
        spec: child.spec as Record<string, unknown>,
      };
    });
  return [...builtin, ...custom];
}
