import { JwtAuthority, loadDevelopmentSecrets } from '@kastra/auth';
import type { ExampleOutcome } from './resource-readiness';

/** The example `npm start` runs once the examples are Ready (DESIGN: "runs the example workflow"). */
export const EXAMPLE_WORKFLOW = { namespace: 'cooking', name: 'recipe-suggestion', input: { message: 'I have eggs, tomatoes and an onion. What can I cook?' } };
const TIMEOUT_SECONDS = 60;

export type ExampleRunResult = { ok: true; run: string; output: unknown } | { ok: false; reason: string };

/**
 * Runs the example workflow through the gateway's synchronous execute endpoint and reports its
 * output. Never throws: a failed example run is reported, and the stack stays up.
 */
export async function runExampleWorkflow(baseUrl: string, token: string, say: (message: string) => void, timeoutSeconds = TIMEOUT_SECONDS): Promise<ExampleRunResult> {
  const { namespace, name, input } = EXAMPLE_WORKFLOW;
  say(`workflow   running ${namespace}/${name} (up to ${timeoutSeconds} s)`);
  const result = await execute(baseUrl, token, timeoutSeconds);
  if (result.ok) {
    say(`workflow   ${result.run} succeeded; output:`);
    console.log(JSON.stringify(result.output, null, 2));
  } else {
    say(`workflow   the example run did not succeed: ${result.reason}`);
    say(`workflow   (the stack keeps running; see the workflow-executor and llm-proxy logs, or: npx kastra run workflow ${name} -n ${namespace} --input '${JSON.stringify(input)}' --wait)`);
  }
  return result;

  async function execute(url: string, bearer: string, seconds: number): Promise<ExampleRunResult> {
    try {
      const response = await fetch(`${url}/apis/mastra.ai/v1/namespaces/${namespace}/workflows/${name}/execute?timeoutSeconds=${seconds}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(input),
        signal: AbortSignal.timeout((seconds + 10) * 1000),
      });
      const body = (await response.json().catch(() => ({}))) as { run?: string; phase?: string; output?: unknown; message?: string };
      if (response.status === 200) return { ok: true, run: body.run ?? '?', output: body.output };
      return { ok: false, reason: `HTTP ${response.status}${body.phase ? ` (${body.phase})` : ''}: ${body.message ?? 'no message'}` };
    } catch (error) {
      return { ok: false, reason: (error as Error).message };
    }
  }
}

/** `npm start`'s call: runs the example, on the stack's gateway, when its Workflow is among the examples that became Ready. */
export async function runExampleWorkflowAfterStart(
  stack: { homeDir: string; gatewayUrl: string },
  outcomes: ExampleOutcome[],
  say: (message: string) => void,
): Promise<ExampleRunResult | undefined> {
  const { namespace, name } = EXAMPLE_WORKFLOW;
  const workflow = outcomes.find((o) => o.manifest.kind === 'Workflow' && o.manifest.namespace === namespace && o.manifest.name === name);
  if (workflow?.state !== 'Ready') {
    say(`workflow   example run skipped: Workflow ${namespace}/${name} is ${workflow ? workflow.state : 'not among the examples'}`);
    return undefined;
  }
  return runExampleWorkflow(stack.gatewayUrl, stackToken(stack.homeDir), say);
}

/** A short-lived admin token of the stack's development secret, for the example runs. */
export function stackToken(homeDir: string): string {
  return new JwtAuthority(loadDevelopmentSecrets(homeDir).jwtSecret).issue({ sub: 'kastra-stack', role: 'admin' }, '10m');
}
