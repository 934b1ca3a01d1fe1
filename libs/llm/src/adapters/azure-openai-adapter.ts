import { AzureOpenAI } from 'openai';
import { ProviderError } from '../provider-errors';
import { upstreamFetch } from '../upstream-egress';
import { OpenAICompatibleAdapter, renameMaxTokensForReasoningModels } from './openai-compatible-adapter';

export const AZURE_DEFAULT_API_VERSION = '2024-10-21';

/**
 * OpenAI on Azure through the SDK's AzureOpenAI client: `baseUrl` is the resource endpoint
 * (https://NAME.openai.azure.com), `deployment` the deployment name (else the request's model),
 * `apiVersion` the api-version query parameter. The key goes in the `api-key` header.
 */
export function createAzureOpenAIAdapter(): OpenAICompatibleAdapter {
  return new OpenAICompatibleAdapter({
    provider: 'azure',
    prepareRequest: renameMaxTokensForReasoningModels,
    createClient: (call, baseUrl) => {
      if (!baseUrl) throw new ProviderError('bad_request', 'azure needs the resource endpoint as baseUrl', { provider: 'azure' });
      return new AzureOpenAI({
        apiKey: call.apiKey ?? 'no-key',
        endpoint: baseUrl,
        apiVersion: call.apiVersion ?? AZURE_DEFAULT_API_VERSION,
        deployment: call.deployment,
        maxRetries: 0,
        ...(call.egress ? { fetch: upstreamFetch(call) } : {}),
      });
    },
  });
}
