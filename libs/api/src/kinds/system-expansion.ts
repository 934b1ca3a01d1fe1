import { API_GROUP, API_GROUP_VERSION, DEFAULT_NAMESPACE, type Resource } from '../resource';
import { asArray, asRecord } from './builtin-kind';
import { systemChildren } from './system-kind';

/** Label put on every child of a System: the System's name. */
export const SYSTEM_LABEL = `${API_GROUP}/system`;

/**
 * The child resources a System declares: same namespace, the names given in the System, the
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
  return systemChildren(spec, ['spec'])
    .filter((child) => typeof child.name === 'string' && child.spec !== undefined)
    .map((child) => {
      const declared = asRecord(asRecord(asArray(spec[child.list])[child.index])?.labels) as Record<string, string> | undefined;
      return {
        apiVersion: API_GROUP_VERSION,
        kind: child.kind.kind,
        metadata: {
          name: child.name as string,
          namespace,
          labels: { ...system.metadata.labels, ...declared, [SYSTEM_LABEL]: system.metadata.name },
          ...(ownerReferences ? { ownerReferences } : {}),
        },
        spec: child.spec as Record<string, unknown>,
      };
    });
}
