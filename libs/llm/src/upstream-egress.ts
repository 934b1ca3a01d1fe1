import { egressFetch, EgressRefusedError, type EgressPolicy } from '@kastra/egress';
import type { ProviderCall } from './provider-adapter';
import { ProviderError } from './provider-errors';

/**
 * The `fetch` an SDK or a fetch-based adapter uses for `call`: through the egress policy (every
 * connection and redirect checked) when the call carries one — a model whose endpoint a
 * resource chose — else the global fetch.
 */
export function upstreamFetch(call: ProviderCall): typeof fetch {
  return call.egress ? (egressFetch(call.egress.policy, { privateAllowed: call.egress.privateAllowed }) as typeof fetch) : fetch;
}

const policyIds = new WeakMap<EgressPolicy, number>();
let nextPolicyId = 1;

/**
 * Tells cached SDK clients and agents apart by how they connect (the policy instance and the
 * rule it applies): a guarded one is never reused unguarded, or under another rule.
 */
export function egressCacheKey(egress: ProviderCall['egress']): string {
  if (!egress) return '';
  let id = policyIds.get(egress.policy);
  if (id === undefined) {
    id = nextPolicyId++;
    policyIds.set(egress.policy, id);
  }
  return `egress:${id}:${egress.privateAllowed ? 'private' : 'public'}`;
}

/** An egress refusal anywhere in `error`'s causes as the provider error it is: the model's endpoint may not be called (400, not retried). */
export function egressRefusal(provider: string, error: unknown): ProviderError | undefined {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    if (current instanceof EgressRefusedError) {
      return new ProviderError('bad_request', `the model's base URL is ${current.message}`, { provider, cause: current });
    }
  }
  return undefined;
}
