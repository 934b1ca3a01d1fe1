import { withCustomDefaults, type KindDefinition, type Resource } from '@kastra/api';

/** An object as the URL's version serves it (a CRD as mastra.ai/v1alpha1, a custom kind's other version). */
export function toServed(kind: KindDefinition, stored: Resource): Resource {
  return kind.conversion ? kind.conversion.toServed(stored) : stored;
}

/**
 * An object written through the URL's version, as the store keeps it: a custom kind's schema
 * defaults filled in (as the apiserver defaults on every write), then converted to the stored shape.
 */
export function toStored(kind: KindDefinition, served: Resource): Resource {
  const defaulted = withCustomDefaults(served, kind);
  return kind.conversion ? kind.conversion.toStored(defaulted) : defaulted;
}
