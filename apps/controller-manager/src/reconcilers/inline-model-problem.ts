import { LLM_PROVIDERS } from '@kastra/api';
import type { Problem } from '../assessment';

/** The problem with an inline `{provider, name}` model selector, if any (a `ref` is checked as a reference). */
export function inlineModelProblem(model: unknown, field: string): Problem | undefined {
  const selector = model as { ref?: unknown; provider?: unknown } | undefined;
  if (!selector || selector.ref !== undefined || selector.provider === undefined) return undefined;
  if ((LLM_PROVIDERS as readonly string[]).includes(String(selector.provider))) return undefined;
  return {
    reason: 'UnknownProvider',
    message: `provider "${String(selector.provider)}" is not supported (${field}.provider): use one of ${LLM_PROVIDERS.join(', ')}`,
    terminal: true,
  };
}
