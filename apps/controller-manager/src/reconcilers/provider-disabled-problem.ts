import { isProviderDisabled, PROVIDER_DEFAULTS, type ProviderName } from '@kastra/llm/provider-table';
import type { Problem } from '../assessment';

/** The problem of a provider turned off by `KASTRA_DISABLE_<NAME>_PROVIDER` (the llm-proxy then refuses its models), if it is. */
export function providerDisabledProblem(provider: ProviderName, env: NodeJS.ProcessEnv, recheckAfterMs: number): Problem | undefined {
  if (!isProviderDisabled(provider, env)) return undefined;
  const variable = PROVIDER_DEFAULTS[provider].disableEnv;
  return {
    reason: 'ProviderDisabled',
    message: `provider ${provider} is turned off (${variable} is set in the environment of Kastra): unset it or use another provider`,
    recheckAfterMs,
  };
}
