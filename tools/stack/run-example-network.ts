import type { ExampleOutcome } from './resource-readiness';
import { stackToken } from './run-example-workflow';

/** The example network `npm start` runs after the example workflow (examples/research-network.yaml). */
export const EXAMPLE_NETWORK = {
  namespace: 'default',
  name: 'research-network',
  message: 'Research whether heat pumps suit older, poorly insulated homes, and summarise the findings.',
};
const TIMEOUT_SECONDS = 120;

/** One member turn as the run's status.route has it. */
interface RouteEntry {
  step: number;
  agent: string;
  reason?: string;
}

export type ExampleNetworkResult = { ok: true; run: string; route: RouteEntry[]; output: unknown } | { ok: false; reason: string };

/**
 * Runs the example network through the gateway's synchronous generate endpoint and reports its
 * route and answer. Never throws: a failed example run is reported, and the stack stays up.
 */
export async function runExampleNetwork(baseUrl: string, token: string, say: (message: string) => void, timeoutSeconds = TIMEOUT_SECONDS): Promise<ExampleNetworkResult> {
  const { namespace, name, message } = EXAMPLE_NETWORK;
  say(`network    running ${namespace}/${name} (up to ${timeoutSeconds} s)`);
  const result = await generate();
  if (result.ok) {
    const route = result.route.map((entry) => entry.agent).join(' → ');
    say(`network    ${result.run} succeeded in ${result.route.length} steps (${route || 'no member'}); answer:`);
    console.log(typeof result.output === 'string' ? result.output : JSON.stringify(result.output, null, 2));
  } else {
    say(`network    the example run did not succeed: ${result.reason}`);
    say(`network    (the stack keeps running; see the network-router and llm-proxy logs, or: npx kastra generate network ${name} -n ${namespace} "${message}")`);
  }
  return result;

  async function generate(): Promise<ExampleNetworkResult> {
    try {
      const response = await fetch(`${baseUrl}/apis/mastra.ai/v1/namespaces/${namespace}/networks/${name}/generate?timeoutSeconds=${timeoutSeconds}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ message }),
        signal: AbortSignal.timeout((timeoutSeconds + 10) * 1000),
      });
      const body = (await response.json().catch(() => ({}))) as { run?: string; phase?: string; output?: unknown; route?: RouteEntry[]; message?: string };
      if (response.status === 200) return { ok: true, run: body.run ?? '?', route: Array.isArray(body.route) ? body.route : [], output: body.output };
      return { ok: false, reason: `HTTP ${response.status}${body.phase ? ` (${body.phase})` : ''}: ${body.message ?? 'no message'}` };
    } catch (error) {
      return { ok: false, reason: (error as Error).message };
    }
  }
}

/** `npm start`'s call: runs the example network, on the stack's gateway, when the Network is among the examples that became Ready. */
export async function runExampleNetworkAfterStart(
  stack: { homeDir: string; gatewayUrl: string },
  outcomes: ExampleOutcome[],
  say: (message: string) => void,
): Promise<ExampleNetworkResult | undefined> {
  const { namespace, name } = EXAMPLE_NETWORK;
  const network = outcomes.find((o) => o.manifest.kind === 'Network' && o.manifest.namespace === namespace && o.manifest.name === name);
  if (network?.state !== 'Ready') {
    say(`network    example run skipped: Network ${namespace}/${name} is ${network ? network.state : 'not among the examples'}`);
    return undefined;
  }
  return runExampleNetwork(stack.gatewayUrl, stackToken(stack.homeDir), say);
}
