import { queryJsonPath } from '@kastra/api';
import { stepOutputs, type RunState } from './run-state';
import { findStep } from './workflow-step';

/** A step's input mapping names something the run does not have (yet). */
export class InputMappingError extends Error {
  override readonly name = 'InputMappingError';
}

/** What templates (`$.input.x`, `$.steps.<id>.output.y`) and conditions are evaluated on. */
export function runContext(state: RunState): { input: unknown; steps: Record<string, { output: unknown }> } {
  return { input: state.input, steps: stepOutputs(state) };
}

/**
 * The input of a step, from its mapping (the forms and templates docs/workflows.md lists):
 * - none: the previous step's output (the run input for the first step);
 * - `{type: user-input}`: the run input;
 * - `{from: X}`: the output of the latest finished step whose `output.type` is X, or whose id is X;
 * - otherwise the mapping itself, with every string `$.input.<path>` / `$.steps.<id>.output.<path>`
 *   replaced by that value.
 */
export function resolveInput(mapping: Record<string, unknown> | undefined, state: RunState): unknown {
  if (mapping === undefined) {
    const previous = [...state.activations].reverse().find((step) => step.state === 'Succeeded');
    return previous ? previous.output : state.input;
  }
  if (mapping.type === 'user-input') return state.input;
  if (typeof mapping.from === 'string') return outputFrom(mapping.from, state);
  return substitute(mapping, runContext(state));
}

function outputFrom(from: string, state: RunState): unknown {
  for (let i = state.activations.length - 1; i >= 0; i--) {
    const step = state.activations[i];
    if (step.state !== 'Succeeded') continue;
    const type = findStep(state.workflowSpec, step.stepId)?.output?.type;
    if (step.stepId === from || type === from) return step.output;
  }
  throw new InputMappingError(`input.from "${from}": no finished step has that id or output type`);
}

/** Replaces `$.`-templates anywhere in a value; other values are literals. */
export function substitute(value: unknown, context: unknown): unknown {
  if (typeof value === 'string') return value.startsWith('$.') ? evaluateTemplate(value, context) : value;
  if (Array.isArray(value)) return value.map((item) => substitute(item, context));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item, context)]));
  }
  return value;
}

export function evaluateTemplate(template: string, context: unknown): unknown {
  if (template === '$') return context;
  try {
    return queryJsonPath(context, template.slice(1))[0];
  } catch (error) {
    throw new InputMappingError(`${template}: ${(error as Error).message}`);
  }
}
