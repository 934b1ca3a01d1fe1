import { evaluateStepCondition, parseReference, type ResourceKey } from '@kastra/api';
import { ToolExecutionError } from '@kastra/agent-runtime';
import { evaluateTemplate, InputMappingError, resolveInput, runContext } from './input-mapping';
import type { StepError } from './run-events';
import type { RunState, StepActivation } from './run-state';
import type { AttemptResult } from './step-scheduler';
import { parseDuration, type WorkflowStep } from './workflow-step';
import { NonRetryableStepError, type CallContext, type ResourceSource, type StepInvoker } from './step-invoker';

/** A nested workflow step: the child run is still going (the parent is woken when it ends). */
export interface ChildRunPending {
  pending: true;
}

export interface StepExecutionDeps {
  invoker: StepInvoker;
  /** Starts (once) or reads the child run of a nested workflow step. */
  childRun(workflow: ResourceKey, input: unknown, activation: StepActivation): Promise<AttemptResult | ChildRunPending>;
  /** Records a finished item durably before the next one starts. */
  recordItem(item: string, output: unknown): Promise<void>;
  /** The advance's view of Agents and Tools (read once per advance). */
  resources?: ResourceSource;
}

export interface StepExecutionContext {
  state: RunState;
  activation: StepActivation;
  step: WorkflowStep;
  attempt: number;
  run: ResourceKey & { uid: string };
  /** Aborted on cancel or shutdown. */
  signal: AbortSignal;
}

/** Errors (of the agent runtime) that another attempt cannot fix: bad input or configuration. */
const NON_RETRYABLE = ['ToolInputError', 'AgentConfigurationError'];

/**
 * Tool failures no attempt can fix, whatever the step's retry policy says: a policy refusal
 * (a Secret the Tool's writer may not read, an address it may not reach, a command the operator
 * did not configure), broken configuration, or a limit the same input will exceed again.
 */
const PERMANENT_TOOL_FAILURES = new Set([
  'secret_forbidden',
  'egress_refused',
  'mcp_command_not_allowed',
  'configuration',
  'unsupported',
  'response_too_large',
  'output_too_large',
  'memory',
  'stack',
]);

class StepTimeoutError extends Error {
  override readonly name = 'Timeout';
}

/** Runs one attempt of an agent, tool, parallel, foreach, loop or nested workflow step, with its timeout. */
export async function executeStepAttempt(ctx: StepExecutionContext, deps: StepExecutionDeps): Promise<AttemptResult | ChildRunPending> {
  const timeoutMs = parseDuration(ctx.step.timeout);
  const controller = new AbortController();
  const onAbort = () => controller.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onAbort);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    if (timeoutMs === undefined) return;
    timer = setTimeout(() => {
      const error = new StepTimeoutError(`attempt ${ctx.attempt} did not finish within ${ctx.step.timeout}`);
      reject(error);
      controller.abort(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([run(ctx, deps, controller.signal), timeout]);
  } catch (error) {
    // A call cut short by the timeout reports the timeout, not its own cancellation.
    return failure(controller.signal.reason instanceof StepTimeoutError ? controller.signal.reason : error);
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onAbort);
  }
}

/** The attempt result of a step that threw `error`: retried by the step's policy unless no attempt can fix it. */
export function failure(error: unknown): AttemptResult {
  if (error instanceof NonRetryableStepError) return { ok: false, error: { type: error.type, message: error.message }, retryable: false };
  if (error instanceof ToolExecutionError && PERMANENT_TOOL_FAILURES.has(error.reason)) {
    return { ok: false, error: { type: error.name, message: error.message }, retryable: false };
  }
  if (error instanceof InputMappingError) return { ok: false, error: { type: 'InputMappingError', message: error.message }, retryable: false };
  const named = error as { name?: string; message?: string };
  const type = named.name && named.name !== 'Error' ? named.name : 'Error';
  const stepError: StepError = { type, message: named.message ?? String(error) };
  // The step's retry policy applies to every failure but those no attempt can fix.
  return { ok: false, error: stepError, retryable: !NON_RETRYABLE.includes(type) };
}

async function run(ctx: StepExecutionContext, deps: StepExecutionDeps, signal: AbortSignal): Promise<AttemptResult | ChildRunPending> {
  const { step, activation } = ctx;
  const namespace = ctx.state.workflow?.namespace ?? ctx.run.namespace;
  if (step.workflow !== undefined) {
    return deps.childRun(parseReference(step.workflow, { kind: 'Workflow', defaultNamespace: namespace }), activation.input, activation);
  }
  const call = (target: { agent?: unknown; tool?: unknown }, input: unknown, item?: string): Promise<unknown> => {
    const callCtx: CallContext = {
      signal,
      idempotencyKey: item === undefined ? activation.idempotencyKey : `${activation.idempotencyKey}:${item}`,
      run: ctx.run,
      stepId: step.id,
      attempt: ctx.attempt,
      actingAs: ctx.state.createdBy,
      resources: deps.resources,
    };
    if (target.agent !== undefined) {
      return deps.invoker.callAgent(parseReference(target.agent, { kind: 'Agent', defaultNamespace: namespace }), input, callCtx);
    }
    return deps.invoker.callTool(parseReference(target.tool, { kind: 'Tool', defaultNamespace: namespace }), input, callCtx);
  };
  // Finished items are in the stream: a re-run (crash, retry) does only what is left.
  const once = async (item: string, work: () => Promise<unknown>): Promise<unknown> => {
    if (item in activation.items) return activation.items[item];
    const output = await work();
    await deps.recordItem(item, output);
    activation.items[item] = output;
    return output;
  };

  if (step.parallel) {
    const outputs = await Promise.all(
      step.parallel.map((branch) =>
        once(`branch:${branch.id}`, () => call(branch, branch.input === undefined ? activation.input : resolveInput(branch.input, ctx.state), `branch:${branch.id}`)),
      ),
    );
    return { ok: true, output: Object.fromEntries(step.parallel.map((branch, i) => [branch.id, outputs[i]])) };
  }
  if (step.foreach) {
    const items = evaluateTemplate(step.foreach.items, { ...runContext(ctx.state), stepInput: activation.input });
    if (!Array.isArray(items)) throw new NonRetryableStepError('InputMappingError', `foreach.items ${step.foreach.items} is not a list`);
    const outputs: unknown[] = new Array(items.length);
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const index = next++;
        outputs[index] = await once(`item:${index}`, () => call(step, items[index], `item:${index}`));
      }
    };
    await Promise.all(Array.from({ length: Math.min(items.length, step.foreach.concurrency ?? 1) }, worker));
    return { ok: true, output: outputs };
  }
  if (step.loop) {
    let input = activation.input;
    for (let iteration = 1; iteration <= step.loop.maxIterations; iteration++) {
      const output = await once(`iteration:${iteration}`, () => call(step, input, `iteration:${iteration}`));
      if (evaluateStepCondition(step.loop.until, { output, iteration, input })) return { ok: true, output };
      input = output;
    }
    throw new NonRetryableStepError('LoopLimitExceeded', `loop.until "${step.loop.until}" did not hold within ${step.loop.maxIterations} iterations`);
  }
  return { ok: true, output: await call(step, activation.input) };
}
