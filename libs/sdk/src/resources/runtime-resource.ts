import type { ObjectMeta, ResourceStatus } from './resource-types.generated';

/**
 * Any resource the runtime holds: a built-in kind (see `KnownResource` for their exact types) or
 * a kind of your own handled by a registered controller.
 */
export interface RuntimeResource<Spec = unknown> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: Spec;
  status?: ResourceStatus;
  /** Secrets carry `data` / `stringData` instead of `spec`. */
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}
