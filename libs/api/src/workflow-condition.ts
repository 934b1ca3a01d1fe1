import { JsonPathSyntaxError, queryJsonPath } from './json-path';

/**
 * Branch conditions of workflow steps (`branches[].condition`):
 * `<path> <op> <JSON literal>` with op one of == != > >= < <=, e.g. `output.category == "billing"`,
 * or a bare `<path>`, true when the value is truthy. Paths are JSONPath without the leading dot,
 * resolved against the context the executor passes (the step's `input` and `output`, and earlier
 * steps' outputs under `steps.<id>.output`).
 */
export interface StepCondition {
  path: string;
  op?: '==' | '!=' | '>' | '>=' | '<' | '<=';
  value?: unknown;
}

export class InvalidConditionError extends Error {
  override readonly name = 'InvalidConditionError';
  constructor(readonly condition: string, readonly problem: string) {
    super(`invalid condition ${JSON.stringify(condition)}: ${problem}`);
  }
}

const COMPARISON = /^(.+?)\s*(==|!=|>=|<=|>|<)\s*(.+)$/;
const PATH = /^[A-Za-z_$][^\s=!<>]*$/;

export function parseStepCondition(condition: string): StepCondition {
  const text = condition.trim();
  const match = COMPARISON.exec(text);
  const path = (match ? match[1] : text).trim();
  if (!PATH.test(path)) throw new InvalidConditionError(condition, 'expected `<path> <op> <JSON value>` or `<path>`');
  try {
    queryJsonPath({}, `.${path}`);
  } catch (error) {
    if (error instanceof JsonPathSyntaxError) throw new InvalidConditionError(condition, error.problem);
    throw error;
  }
  if (!match) return { path };
  let value: unknown;
  try {
    value = JSON.parse(match[3]);
  } catch {
    throw new InvalidConditionError(condition, `${match[3]} is not a JSON value (quote strings: "text")`);
  }
  return { path, op: match[2] as StepCondition['op'], value };
}

/** Whether the condition holds on `context`; a missing path is undefined (falsy, != anything). */
export function evaluateStepCondition(condition: string, context: unknown): boolean {
  const parsed = parseStepCondition(condition);
  const [actual] = queryJsonPath(context, `.${parsed.path}`);
  switch (parsed.op) {
    case undefined:
      return Boolean(actual);
    case '==':
      return JSON.stringify(actual) === JSON.stringify(parsed.value);
    case '!=':
      return JSON.stringify(actual) !== JSON.stringify(parsed.value);
    default:
      return compare(actual, parsed.value, parsed.op);
  }
}

function compare(actual: unknown, expected: unknown, op: '>' | '>=' | '<' | '<='): boolean {
  const comparable =
    (typeof actual === 'number' && typeof expected === 'number') || (typeof actual === 'string' && typeof expected === 'string');
  if (!comparable) return false;
  const a = actual as number | string;
  const b = expected as number | string;
  return op === '>' ? a > b : op === '>=' ? a >= b : op === '<' ? a < b : a <= b;
}
