import * as ts from 'typescript';
import { literalValue } from './migrate-literal-values';
import { unwrap, type MastraSources } from './migrate-mastra-sources';
import type { FunctionNode } from './migrate-script-body';

/**
 * Where a condition is evaluated: after a step, on its output and the run (`branch`: Kastra's
 * `branches[].condition`), or after each iteration of a loop, on its output (`until`).
 */
export type ConditionPlace = 'branch' | 'until';

export type ConditionTranslation = { condition: string } | { reason: string };

type ComparisonOperator = '==' | '!=' | '>' | '>=' | '<' | '<=';

const OPERATORS: Partial<Record<ts.SyntaxKind, ComparisonOperator>> = {
  [ts.SyntaxKind.EqualsEqualsEqualsToken]: '==',
  [ts.SyntaxKind.EqualsEqualsToken]: '==',
  [ts.SyntaxKind.ExclamationEqualsEqualsToken]: '!=',
  [ts.SyntaxKind.ExclamationEqualsToken]: '!=',
  [ts.SyntaxKind.GreaterThanToken]: '>',
  [ts.SyntaxKind.GreaterThanEqualsToken]: '>=',
  [ts.SyntaxKind.LessThanToken]: '<',
  [ts.SyntaxKind.LessThanEqualsToken]: '<=',
};
const MIRRORED: Record<ComparisonOperator, ComparisonOperator> = { '==': '==', '!=': '!=', '>': '<', '>=': '<=', '<': '>', '<=': '>=' };
const NEGATED: Record<ComparisonOperator, ComparisonOperator> = { '==': '!=', '!=': '==', '>': '<=', '>=': '<', '<': '>=', '<=': '>' };

/** What the names of a condition function's parameter stand for in Kastra's condition context. */
type Role = { path: string } | { call: 'initData' | 'stepResult' };

/**
 * A Mastra condition function (`async ({ inputData }) => inputData.outdoor === true`) as a
 * Kastra condition (`output.outdoor == true`): one comparison of a value of the previous step's
 * output (or, for branches, the run input `getInitData()` or an earlier step's
 * `getStepResult(step)`) with a JSON literal, or one such value alone for truthiness. `negate`
 * (a `dowhile` loop, whose condition says when to go on) turns the operator round.
 */
export function translateCondition(
  fn: FunctionNode,
  place: ConditionPlace,
  sources: MastraSources,
  stepIdOf: (step: ts.Expression) => string | undefined,
  negate = false,
): ConditionTranslation {
  const body = returnedExpression(fn);
  if (!body) return { reason: 'its body is more than one returned expression' };
  const roles = parameterRoles(fn, place);
  const pathOf = (expression: ts.Expression): string | undefined => valuePath(expression, roles, place, stepIdOf, sources);
  const expression = unwrapAwait(body);
  if (ts.isBinaryExpression(expression)) {
    const operator = OPERATORS[expression.operatorToken.kind];
    if (!operator) return { reason: `${expression.operatorToken.getText()} has no Kastra condition form (one comparison only)` };
    let path = pathOf(expression.left);
    let literal = literalValue(expression.right, sources);
    let op = operator;
    if (path === undefined) {
      path = pathOf(expression.right);
      literal = literalValue(expression.left, sources);
      op = MIRRORED[operator];
    }
    if (path === undefined) return { reason: 'it compares nothing a Kastra condition can read (the previous step output, the run input or a step result)' };
    if (literal === undefined) return { reason: 'it compares with something other than a JSON literal' };
    return { condition: `${path} ${negate ? NEGATED[op] : op} ${JSON.stringify(literal)}` };
  }
  const path = pathOf(expression);
  if (path === undefined) return { reason: 'it is not a comparison or a value a Kastra condition can read' };
  if (negate) return { reason: 'a truthiness test cannot be negated in a Kastra condition' };
  return { condition: path };
}

/** Whether the function is `() => true` (an "otherwise" arm). */
export function isAlwaysTrue(fn: FunctionNode): boolean {
  const body = returnedExpression(fn);
  return body !== undefined && unwrapAwait(body).kind === ts.SyntaxKind.TrueKeyword;
}

function returnedExpression(fn: FunctionNode): ts.Expression | undefined {
  if (!fn.body) return undefined;
  if (!ts.isBlock(fn.body)) return fn.body;
  const [only, ...rest] = fn.body.statements;
  return only && rest.length === 0 && ts.isReturnStatement(only) ? only.expression : undefined;
}

function unwrapAwait(expression: ts.Expression): ts.Expression {
  let current = unwrap(expression);
  while (ts.isAwaitExpression(current)) current = unwrap(current.expression);
  return current;
}

function parameterRoles(fn: FunctionNode, place: ConditionPlace): Map<string, Role> {
  const roles = new Map<string, Role>();
  const parameter = fn.parameters[0]?.name;
  if (!parameter) return roles;
  if (ts.isIdentifier(parameter)) {
    roles.set(parameter.text, { path: '' });
    return roles;
  }
  if (!ts.isObjectBindingPattern(parameter)) return roles;
  for (const element of parameter.elements) {
    const key = (element.propertyName ?? element.name) as ts.Node;
    const keyText = ts.isIdentifier(key) || ts.isStringLiteral(key) ? key.text : undefined;
    if (keyText === 'inputData') bind(roles, element.name, 'output');
    else if (keyText === 'iterationCount' && place === 'until' && ts.isIdentifier(element.name)) roles.set(element.name.text, { path: 'iteration' });
    else if (keyText === 'getInitData' && ts.isIdentifier(element.name)) roles.set(element.name.text, { call: 'initData' });
    else if (keyText === 'getStepResult' && ts.isIdentifier(element.name)) roles.set(element.name.text, { call: 'stepResult' });
  }
  return roles;
}

/** `{ inputData: { city } }` binds `city` to `output.city`. */
function bind(roles: Map<string, Role>, name: ts.BindingName, path: string): void {
  if (ts.isIdentifier(name)) {
    roles.set(name.text, { path });
    return;
  }
  if (!ts.isObjectBindingPattern(name)) return;
  for (const element of name.elements) {
    const key = element.propertyName ?? element.name;
    if (ts.isIdentifier(key) || ts.isStringLiteral(key)) bind(roles, element.name, appendField(path, key.text));
  }
}

function valuePath(
  expression: ts.Expression,
  roles: Map<string, Role>,
  place: ConditionPlace,
  stepIdOf: (step: ts.Expression) => string | undefined,
  sources: MastraSources,
): string | undefined {
  const node = unwrap(expression);
  if (ts.isIdentifier(node)) {
    const role = roles.get(node.text);
    return role && 'path' in role && role.path !== '' ? role.path : undefined;
  }
  if (ts.isPropertyAccessExpression(node)) {
    // `ctx.inputData` of a parameter taken whole.
    if (ts.isIdentifier(node.expression)) {
      const role = roles.get(node.expression.text);
      if (role && 'path' in role && role.path === '') return node.name.text === 'inputData' ? 'output' : undefined;
    }
    const base = valuePath(node.expression, roles, place, stepIdOf, sources);
    return base === undefined ? undefined : appendField(base, node.name.text);
  }
  if (ts.isElementAccessExpression(node)) {
    const base = valuePath(node.expression, roles, place, stepIdOf, sources);
    const key = literalValue(node.argumentExpression, sources);
    if (base === undefined) return undefined;
    if (typeof key === 'number' && Number.isInteger(key)) return `${base}[${key}]`;
    return typeof key === 'string' ? appendField(base, key) : undefined;
  }
  if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && place === 'branch') {
    const role = roles.get(node.expression.text);
    if (!role || !('call' in role)) return undefined;
    if (role.call === 'initData') return 'runInput';
    const [step] = node.arguments;
    const id = step && (literalValue(step, sources) ?? stepIdOf(step));
    return typeof id === 'string' ? appendField('steps', id) + '.output' : undefined;
  }
  return undefined;
}

/** `base.name`, or `base['name']` when the name is not a plain field for Kastra's JSONPath. */
export function appendField(base: string, name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(name) ? `${base}.${name}` : `${base}['${name.replace(/'/g, "\\'")}']`;
}
