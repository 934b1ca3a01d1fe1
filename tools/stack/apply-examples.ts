import type { ExampleManifest } from './example-manifests';
import { servedKindOf, type GatewayClient, type ServedKind } from './gateway-client';
import { type ExampleOutcome, readinessOf } from './resource-readiness';

/** How often an unknown kind is looked up again after CRDs were applied (250 ms apart). */
const CRD_WAIT_ATTEMPTS = 20;

export interface ApplyResult {
  outcomes: ExampleOutcome[];
  kinds: Map<string, ServedKind>;
}

/**
 * Applies the manifests in order by server-side apply; a failure is recorded and the rest still
 * applied. Discovery is read again after the CRDs so their kinds are known.
 */
export async function applyExamples(client: GatewayClient, manifests: ExampleManifest[]): Promise<ApplyResult> {
  let kinds = await client.discover();
  const outcomes: ExampleOutcome[] = [];
  let rediscovered = false;
  const hasCrds = manifests.some((m) => m.kind === 'CustomResourceDefinition');
  for (const manifest of manifests) {
    if (!rediscovered && manifest.kind !== 'CustomResourceDefinition') {
      if (hasCrds) kinds = await client.discover();
      rediscovered = true;
    }
    let kind = servedKindOf(kinds, manifest);
    // A CRD just applied is served once Established (within a second or so): look again a few times.
    for (let attempt = 0; !kind && rediscovered && hasCrds && attempt < CRD_WAIT_ATTEMPTS; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      kinds = await client.discover();
      kind = servedKindOf(kinds, manifest);
    }
    if (!kind) {
      outcomes.push({ manifest, state: 'ApplyFailed', reason: 'UnknownKind', message: `the gateway does not serve kind ${manifest.kind}` });
      continue;
    }
    try {
      await client.apply(manifest, kind);
      outcomes.push({ manifest, state: manifest.waitForReady ? 'NotReady' : 'NotWaited' });
    } catch (error) {
      outcomes.push({ manifest, state: 'ApplyFailed', reason: 'ApplyFailed', message: (error as Error).message });
    }
  }
  return { outcomes, kinds };
}

/** Polls the applied examples until each waited-for one is Ready or Failed, or `timeoutMs` passes. */
export async function waitForExamples(
  client: GatewayClient,
  applied: ApplyResult,
  timeoutMs: number,
  pollMs = 1000,
): Promise<ExampleOutcome[]> {
  const deadline = Date.now() + timeoutMs;
  const outcomes = applied.outcomes.map((o) => ({ ...o }));
  for (;;) {
    const pending = outcomes.filter((o) => o.state === 'NotReady');
    await Promise.all(
      pending.map(async (outcome) => {
        const kind = servedKindOf(applied.kinds, outcome.manifest);
        if (!kind) return;
        try {
          const { state, condition } = readinessOf(await client.get(outcome.manifest, kind));
          Object.assign(outcome, { state, reason: condition?.reason, message: condition?.message });
        } catch (error) {
          Object.assign(outcome, { reason: 'GetFailed', message: (error as Error).message });
        }
      }),
    );
    if (!outcomes.some((o) => o.state === 'NotReady') || Date.now() >= deadline) return outcomes;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
