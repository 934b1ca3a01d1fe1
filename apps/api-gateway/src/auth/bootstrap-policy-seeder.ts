import { AlreadyExistsError, ConflictError, RBAC_GROUP, RBAC_VERSION, type Resource } from '@kastra/api';
import { AUTOUPDATE_ANNOTATION, bootstrapPolicy, type RbacObject } from '@kastra/rbac';
import { canonicalJson, type ResourceStore, type WriteContext } from '@kastra/resource-store';

/** Who writes the built-in policy: the server itself, with every right. */
const SEEDER: WriteContext = { actor: 'system:api-gateway', principal: { sub: 'system:api-gateway', groups: ['system:masters'] } };

/**
 * Writes the built-in ClusterRoles and ClusterRoleBindings into the store, as the apiserver
 * reconciles its bootstrap policy at start: missing ones are created; existing ones get the
 * rules (or subjects) they lack, unless annotated `rbac.authorization.kubernetes.io/autoupdate:
 * "false"`; nothing is removed. Safe when several gateways start at once.
 */
export async function seedBootstrapPolicy(store: ResourceStore): Promise<void> {
  for (const builtIn of bootstrapPolicy()) {
    const manifest = { apiVersion: `${RBAC_GROUP}/${RBAC_VERSION}`, ...builtIn } as unknown as Resource;
    const key = { kind: builtIn.kind, namespace: '', name: builtIn.metadata.name };
    const current = await store.get(key);
    try {
      if (!current) {
        await store.create(manifest, SEEDER);
        continue;
      }
      if (current.metadata.annotations?.[AUTOUPDATE_ANNOTATION] === 'false') continue;
      const merged = withMissingParts(current as unknown as RbacObject, builtIn);
      if (merged) await store.update({ ...(merged as unknown as Resource), metadata: current.metadata }, SEEDER);
    } catch (error) {
      // Another gateway seeded it first.
      if (!(error instanceof AlreadyExistsError) && !(error instanceof ConflictError)) throw error;
    }
  }
}

/** The stored object with the built-in's rules or subjects it lacks, or undefined when it lacks none. */
function withMissingParts(current: RbacObject, builtIn: RbacObject): RbacObject | undefined {
  const field = 'rules' in builtIn ? 'rules' : 'subjects';
  const have = ((current as unknown as Record<string, unknown[]>)[field] ?? []) as unknown[];
  const known = new Set(have.map(canonicalJson));
  const missing = (((builtIn as unknown as Record<string, unknown[]>)[field] ?? []) as unknown[]).filter((part) => !known.has(canonicalJson(part)));
  return missing.length === 0 ? undefined : ({ ...current, [field]: [...have, ...missing] } as RbacObject);
}
