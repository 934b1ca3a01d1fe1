import { SERVICE_PORTS } from '@kastra/config';

/**
 * Where the gateway reaches the llm-proxy's HTTP API: `KASTRA_LLM_PROXY_URL`, else the local
 * llm-proxy on its port (`KASTRA_LLM_PROXY_PORT`, as `npm start` gives it, else 8081).
 */
export function llmProxyUrl(env: NodeJS.ProcessEnv = process.env): URL {
  const configured = env.KASTRA_LLM_PROXY_URL?.trim();
  if (configured) {
    const url = new URL(configured);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`KASTRA_LLM_PROXY_URL must be an http(s) URL, not "${configured}"`);
    return url;
  }
  const port = env.KASTRA_LLM_PROXY_PORT?.trim() || String(SERVICE_PORTS['llm-proxy']);
  return new URL(`http://127.0.0.1:${port}`);
}
