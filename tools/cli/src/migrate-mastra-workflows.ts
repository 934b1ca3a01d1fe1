import * as ts from 'typescript';
import { validateWorkflowGraph, WORKFLOW_END } from '@kastra/api';
import type { MigrationContext } from './migrate-mastra-context';
import { workflowChain, type ChainLink } from './migrate-mastra-constructs';
import { literalValue, property, propertyKey, stringValue } from './migrate-literal-values';
import { addTool, reportOtherOptions, variableNameOf } from './migrate-mastra-tools';
import { resourceName, stepIdOf, UniqueNames } from './migrate-names';
import { functionOf } from './migrate-script-body';
import { appendField, isAlwaysTrue, translateCondition } from './migrate-step-condition';
import { resolveStep, type ResolvedStep } from './migrate-workflow-step-calls';
import { zodToJsonSchema } from './migrate-zod-schema';

type Step = Record<string, unknown> & { id: string };

/** Options carried over (`steps` only lists, for Mastra's types, the steps the chain uses); every other one is reported. */
const WORKFLOW_KEYS = new Set(['id', 'description', 'inputSchema', 'retryConfig', 'steps']);
const WORKFLOW_HINTS: Record<string, string> = {
  outputSchema: "Kastra Workflows have no output schema: the last step's output is the run output",
  stateSchema: 'workflow state has no Kastra equivalent: steps pass data through their outputs',
};
/** Mastra loops have no cap; a Kastra loop needs one. */
const LOOP_CAP = 100;
/** Never true: stands in for a condition that could not be translated, so the graph stays valid. */
const UNTRANSLATED_CONDITION = 'output.__condition_not_migrated';

/**
 * The Workflow of a `createWorkflow({...})` builder chain: `.then()` steps in order,
 * `.branch()` as `branches` on the step before (each arm going on to the step after),
 * `.parallel()` as a `parallel` step, `.map()` as a script step or the next step's input
 * mapping, `.dountil()`/`.dowhile()` as `loop`, `.foreach()` as `foreach`.
 */
export function workflowFromCreate(create: ts.CallExpression, ctx: MigrationContext): string | undefined {
  const known = ctx.nameOf('Workflow', create);
  if (known) return known;
  const config = create.arguments[0] && ctx.sources.resolve(create.arguments[0]);
  if (!config || !ts.isObjectLiteralExpression(config)) {
    ctx.report.notTranslated('createWorkflow', ctx.at(create), 'its options are not an object literal the migration can read');
    return undefined;
  }
  const idExpression = property(config, 'id');
  const id = idExpression && stringValue(idExpression, ctx.sources);
  const name = ctx.claimName('Workflow', create, resourceName(id ?? variableNameOf(create) ?? 'workflow'));
  const builder = new WorkflowBuilder(name, ctx);
  for (const link of workflowChain(create)) builder.link(link);
  builder.finish();

  const label = `Workflow ${name}`;
  const spec: Record<string, unknown> = {};
  const description = property(config, 'description');
  const descriptionText = description && stringValue(description, ctx.sources);
  if (descriptionText) spec.description = descriptionText;
  const inputSchema = property(config, 'inputSchema');
  if (inputSchema) {
    const { schema, problems } = zodToJsonSchema(inputSchema, ctx.sources);
    spec.inputSchema = schema;
    if (problems.length === 0) ctx.report.translated(`${label}: inputSchema`, ctx.at(inputSchema), 'zod schema as JSON Schema');
    for (const problem of problems) ctx.report.approximated(`${label}: inputSchema`, ctx.at(inputSchema), problem);
  }
  builder.applyRetryConfig(property(config, 'retryConfig'), label);
  reportOtherOptions(config, WORKFLOW_KEYS, label, ctx, WORKFLOW_HINTS);
  if (builder.steps.length === 0) {
    ctx.report.notTranslated(label, ctx.at(create), 'it has no step the migration could translate: no Workflow written');
    return undefined;
  }
  spec.steps = builder.steps;
  const problems = validateWorkflowGraph(spec);
  for (const problem of problems) ctx.report.notTranslated(label, ctx.at(create), `the step graph is invalid: ${problem.field}: ${problem.message}`);
  ctx.report.translated(label, ctx.at(create), `${builder.steps.length} steps: ${builder.steps.map((s) => s.id).join(', ')}`);
  const resource = ctx.add('Workflow', name, create, spec);
  for (const todo of builder.todos) ctx.addTodo(resource, todo);
  return name;
}

/** The steps of one workflow as the chain is read, and what the next step must be told. */
class WorkflowBuilder {
  readonly steps: Step[] = [];
  readonly todos: string[] = [];
  private readonly ids = new UniqueNames();
  /** The input mapping the next step gets (after a branch, or from `.map({...})`). */
  private pendingInput: Record<string, unknown> | undefined;
  /** A branch whose step and arms go on to whatever comes next. */
  private pendingBranch: { decider: Step; arms: Step[]; otherwise?: Step } | undefined;
  private committed = false;
  /** Where the pending input mapping was written, for the report. */
  private pendingInputAt: ts.Node | undefined;
  /** The Kastra step id of each Mastra step value used (for `getStepResult(step)`, `.map({ step })`). */
  private readonly idsByNode = new Map<ts.Node, string>();

  constructor(
    private readonly name: string,
    private readonly ctx: MigrationContext,
  ) {}

  link({ method, call }: ChainLink): void {
    const label = `Workflow ${this.name}: .${method}()`;
    const at = this.ctx.at(call);
    const [first, second] = call.arguments;
    if (this.committed) {
      this.ctx.report.notTranslated(label, at, 'comes after .commit(): left out');
      return;
    }
    switch (method) {
      case 'then': {
        const step = first && this.resolve(first, label);
        if (step) this.push(this.stepOf(step));
        return;
      }
      case 'parallel':
        return this.parallel(first ?? call, label);
      case 'branch':
        return this.branch(first ?? call, label);
      case 'map':
        return this.map(first ?? call, second, label);
      case 'dountil':
      case 'dowhile':
        return this.loop(first, second ?? call, method === 'dowhile', label);
      case 'foreach':
        return this.foreach(first, second, label);
      case 'commit':
        this.committed = true;
        return;
      default:
        this.ctx.report.notTranslated(label, at, method.startsWith('sleep') || method === 'waitForEvent' ? 'Kastra workflows have no timed or event waits: left out (a suspend step resumed from outside can stand in)' : 'no Kastra equivalent: left out');
    }
  }

  /** Closes a branch left open at the end of the chain: it and its arms end the run. */
  finish(): void {
    this.closeBranch(WORKFLOW_END);
    if (this.pendingInput && this.pendingInputAt) {
      this.ctx.report.notTranslated(`Workflow ${this.name}: .map()`, this.ctx.at(this.pendingInputAt), 'a final mapping has no step after it to apply to: left out');
    }
  }

  applyRetryConfig(expression: ts.Expression | undefined, label: string): void {
    if (!expression) return;
    const attempts = this.numberOption(expression, 'attempts');
    const delay = this.numberOption(expression, 'delay');
    if (attempts === undefined || attempts < 0) {
      this.ctx.report.notTranslated(`${label}: retryConfig`, this.ctx.at(expression), 'not literal attempts: left out');
      return;
    }
    const retry = { maxAttempts: attempts + 1, ...(delay !== undefined && delay >= 1 ? { initialIntervalMs: delay, backoffCoefficient: 1 } : {}) };
    for (const step of this.steps) if (!step.retry && !step.parallel) step.retry = retry;
    this.ctx.report.translated(`${label}: retryConfig`, this.ctx.at(expression), `retry ${JSON.stringify(retry)} on every step without its own`);
  }

  /** A literal number option of an options object (`{ attempts: 3 }`). */
  private numberOption(expression: ts.Expression | undefined, key: string): number | undefined {
    const config = expression && this.ctx.sources.resolve(expression);
    const value = config && ts.isObjectLiteralExpression(config) ? property(config, key) : undefined;
    const number = value && literalValue(value, this.ctx.sources);
    return typeof number === 'number' ? number : undefined;
  }

  private resolve(expression: ts.Expression, label: string): ResolvedStep | undefined {
    const step = resolveStep(expression, this.name, this.ctx, (create) => workflowFromCreate(create, this.ctx));
    if (typeof step === 'string') {
      this.ctx.report.notTranslated(label, this.ctx.at(expression), `${step}: left out`);
      return undefined;
    }
    return { ...step, node: this.ctx.sources.resolve(expression) };
  }

  private stepOf(resolved: ResolvedStep): Step {
    const id = this.ids.claim(stepIdOf(resolved.mastraId));
    if (!this.idsByNode.has(resolved.node)) this.idsByNode.set(resolved.node, id);
    return { id, ...resolved.call, ...(resolved.maxAttempts ? { retry: { maxAttempts: resolved.maxAttempts } } : {}) };
  }

  /** Appends a step: it is what an open branch goes on to, and takes the pending input mapping. */
  private push(step: Step): void {
    this.closeBranch(step.id);
    if (this.pendingInput) step.input = this.pendingInput;
    this.pendingInput = undefined;
    this.steps.push(step);
  }

  private closeBranch(next: string): void {
    const branch = this.pendingBranch;
    if (!branch) return;
    this.pendingBranch = undefined;
    branch.decider.next = branch.otherwise?.id ?? next;
    for (const arm of branch.arms) arm.next = next;
    if (branch.otherwise) branch.otherwise.next = next;
  }

  private parallel(list: ts.Expression, label: string): void {
    const members = this.ctx.sources.resolve(list);
    if (!ts.isArrayLiteralExpression(members)) {
      this.ctx.report.notTranslated(label, this.ctx.at(list), 'the steps are not an array literal: left out');
      return;
    }
    const branches: Array<Record<string, unknown>> = [];
    const keys = new UniqueNames();
    for (const element of members.elements) {
      const step = this.resolve(element, label);
      if (!step) continue;
      if ('workflow' in step.call) {
        this.ctx.report.notTranslated(label, this.ctx.at(element), 'a nested workflow cannot run as a parallel member in Kastra: left out');
        continue;
      }
      const id = keys.claim(stepIdOf(step.mastraId));
      branches.push({ id, ...step.call });
    }
    if (branches.length === 0) return;
    this.push({ id: this.ids.claim('parallel'), parallel: branches });
    this.ctx.report.translated(label, this.ctx.at(members), `a parallel step; its output is keyed by member id, as in Mastra`);
  }

  private branch(list: ts.Expression, label: string): void {
    const arms = this.ctx.sources.resolve(list);
    if (!ts.isArrayLiteralExpression(arms)) {
      this.ctx.report.notTranslated(label, this.ctx.at(list), 'the arms are not an array literal: left out');
      return;
    }
    let decider = this.steps[this.steps.length - 1];
    if (!decider || this.pendingBranch) {
      // Conditions are tested after a step: one that passes its input on stands in.
      decider = this.passThroughStep(arms);
      this.push(decider);
    }
    const opened: { decider: Step; arms: Step[]; otherwise?: Step } = { decider, arms: [] };
    const branches: Array<{ condition: string; next: string }> = [];
    const merged: Record<string, string> = {};
    for (const element of arms.elements) {
      const pair = this.ctx.sources.resolve(element);
      const [conditionExpression, stepExpression] = ts.isArrayLiteralExpression(pair) ? pair.elements : [];
      const step = stepExpression && this.resolve(stepExpression, label);
      if (!conditionExpression || !step) {
        if (!stepExpression) this.ctx.report.notTranslated(label, this.ctx.at(element), 'not a [condition, step] pair: left out');
        continue;
      }
      const arm = this.stepOf(step);
      this.steps.push(arm);
      merged[step.mastraId] = `$.${appendField(`steps`, arm.id)}.output`;
      const fn = functionOf(conditionExpression, this.ctx.sources);
      if (fn && isAlwaysTrue(fn) && !opened.otherwise) {
        opened.otherwise = arm;
        this.ctx.report.approximated(label, this.ctx.at(conditionExpression), `() => true: ${arm.id} is where the step goes when no other condition holds (Mastra would also run it beside the others)`);
        continue;
      }
      const translated = fn ? translateCondition(fn, 'branch', this.ctx.sources, (s) => this.mastraIdOf(s)) : { reason: 'the condition is not a function the migration can read' };
      if ('condition' in translated) {
        branches.push({ condition: translated.condition, next: arm.id });
        this.ctx.report.translated(label, this.ctx.at(conditionExpression), `${arm.id} when ${translated.condition}`);
      } else {
        branches.push({ condition: UNTRANSLATED_CONDITION, next: arm.id });
        this.todos.push(`write the condition of the branch to ${arm.id} on step ${decider.id}`);
        this.ctx.report.notTranslated(label, this.ctx.at(conditionExpression), `the condition of ${arm.id} cannot be translated (${translated.reason}): the arm is never taken until it is rewritten`);
      }
      opened.arms.push(arm);
    }
    if (branches.length > 0) decider.branches = [...((decider.branches as unknown[]) ?? []), ...branches];
    if (opened.arms.length + (opened.otherwise ? 1 : 0) > 1) {
      this.ctx.report.approximated(label, this.ctx.at(arms), 'Kastra takes the first arm whose condition holds; Mastra runs every arm whose condition holds');
    }
    this.pendingBranch = opened;
    this.pendingInput = merged;
    this.pendingInputAt = arms;
  }

  private map(mapping: ts.Expression, options: ts.Expression | undefined, label: string): void {
    const node = this.ctx.sources.resolve(mapping);
    if (ts.isObjectLiteralExpression(node)) return this.mapObject(node, label);
    const fn = functionOf(mapping, this.ctx.sources);
    if (!fn) {
      this.ctx.report.notTranslated(label, this.ctx.at(mapping), 'not a function or a mapping object: left out');
      return;
    }
    const config = options && this.ctx.sources.resolve(options);
    const given = config && ts.isObjectLiteralExpression(config) ? property(config, 'id') : undefined;
    const mastraId = (given && stringValue(given, this.ctx.sources)) ?? 'map';
    const step: Step = { id: this.ids.claim(stepIdOf(mastraId)), tool: '' };
    const tool = this.ctx.claimName('Tool', fn, resourceName(`${this.name}-${step.id}`));
    step.tool = tool;
    this.ctx.report.translated(label, this.ctx.at(fn), `step ${step.id} calling Tool ${tool}`);
    addTool({ node: fn, label: `Step ${step.id}`, name: tool, execute: fn as ts.Expression, shape: 'step' }, this.ctx);
    this.push(step);
  }

  /** `.map({ key: { step, path } | { value } | { initData, path } })`: the next step's input. */
  private mapObject(mapping: ts.ObjectLiteralExpression, label: string): void {
    const input: Record<string, unknown> = {};
    for (const element of mapping.properties) {
      const key = element.name ? propertyKey(element.name) : undefined;
      const entry = ts.isPropertyAssignment(element) ? this.ctx.sources.resolve(element.initializer) : undefined;
      const value = key !== undefined && entry && ts.isObjectLiteralExpression(entry) ? this.mappingValue(entry) : undefined;
      if (key === undefined || value === undefined) {
        this.ctx.report.notTranslated(label, this.ctx.at(element), `\`${element.getText().slice(0, 60)}\` cannot be expressed as a Kastra input mapping: left out`);
        continue;
      }
      input[key] = value;
    }
    this.pendingInput = input;
    this.pendingInputAt = mapping;
    this.ctx.report.translated(label, this.ctx.at(mapping), 'the input mapping of the next step');
  }

  private mappingValue(entry: ts.ObjectLiteralExpression): unknown {
    const path = property(entry, 'path');
    const pathText = path ? stringValue(path, this.ctx.sources) : '.';
    if (pathText === undefined) return undefined;
    const suffix = pathText === '.' ? '' : pathText.split('.').reduce((base, field) => appendField(base, field), '');
    const value = property(entry, 'value');
    if (value) return literalValue(value, this.ctx.sources);
    if (property(entry, 'initData')) return `$.input${suffix}`;
    const step = property(entry, 'step');
    const id = step && this.mastraIdOf(step);
    return id ? `$.${appendField('steps', id)}.output${suffix}` : undefined;
  }

  private loop(body: ts.Expression | undefined, condition: ts.Node, negate: boolean, label: string): void {
    const resolved = body && this.resolve(body, label);
    if (!resolved) return;
    const step = this.stepOf(resolved);
    const fn = ts.isCallExpression(condition) ? undefined : functionOf(condition as ts.Expression, this.ctx.sources);
    const translated = fn ? translateCondition(fn, 'until', this.ctx.sources, (s) => this.mastraIdOf(s), negate) : { reason: 'the condition is not a function the migration can read' };
    const until = 'condition' in translated ? translated.condition : UNTRANSLATED_CONDITION;
    step.loop = { until, maxIterations: LOOP_CAP };
    this.push(step);
    if ('condition' in translated) {
      this.ctx.report.approximated(label, this.ctx.at(condition), `loop until ${until}, at most ${LOOP_CAP} iterations (Mastra loops have no cap)`);
    } else {
      this.todos.push(`write loop.until of step ${step.id}`);
      this.ctx.report.notTranslated(label, this.ctx.at(condition), `the loop condition cannot be translated (${translated.reason}): the step loops ${LOOP_CAP} times and fails until it is rewritten`);
    }
  }

  private foreach(body: ts.Expression | undefined, options: ts.Expression | undefined, label: string): void {
    const resolved = body && this.resolve(body, label);
    if (!resolved) return;
    const previous = this.steps[this.steps.length - 1];
    const step = this.stepOf(resolved);
    const concurrency = this.numberOption(options, 'concurrency');
    step.foreach = { items: previous ? `$.${appendField('steps', previous.id)}.output` : '$.input', ...(concurrency !== undefined && concurrency >= 1 ? { concurrency } : {}) };
    this.push(step);
    this.ctx.report.translated(label, this.ctx.at(body!), `step ${step.id} once per item of ${previous ? `${previous.id}'s output` : 'the run input'}`);
  }

  /** A step `start` that returns its input, for a chain that opens with `.branch()`. */
  private passThroughStep(at: ts.Node): Step {
    const id = this.ids.claim('start');
    const tool = this.ctx.claimName('Tool', at, resourceName(`${this.name}-${id}`));
    this.ctx.add('Tool', tool, at, { description: 'Passes the run input on (conditions are tested after a step).', script: { code: 'return input;' } });
    this.ctx.report.approximated(`Workflow ${this.name}: .branch()`, this.ctx.at(at), `a branch with no step before it: step ${id} (Tool ${tool}) passes the input on and carries the conditions`);
    return { id, tool };
  }

  /** The Kastra step id of a Mastra step value or id (for `getStepResult(step)` and `.map({ step })`). */
  private mastraIdOf(expression: ts.Expression): string | undefined {
    const node = this.ctx.sources.resolve(expression);
    const literal = literalValue(node, this.ctx.sources);
    if (typeof literal === 'string') return this.steps.find((s) => s.id === stepIdOf(literal))?.id;
    return this.idsByNode.get(node);
  }
}
