/** The part of a resource the decision may look at (its kind, name, and who last wrote it once that is recorded). */
export interface EgressSubject {
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
}

/**
 * Whether a resource may reach private addresses: true when whoever last wrote it holds the
 * `egress-private` permission. Until authorization records writers, no resource does.
 */
export type PrivateEgressResolver = (resource: EgressSubject) => Promise<boolean>;

/** Every resource is confined to public addresses (and what KASTRA_EGRESS_ALLOW opens). */
export const denyPrivateEgress: PrivateEgressResolver = async () => false;
