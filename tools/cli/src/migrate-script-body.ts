import * as ts from 'typescript';
import { SCRIPT_GLOBALS, outsideReferences, referencedNames } from './migrate-free-identifiers';
import { unwrap, type MastraSources } from './migrate-mastra-sources';

export type FunctionNode = ts.ArrowFunction | ts.FunctionExpression | ts.MethodDeclaration | ts.FunctionDeclaration;

/**
 * How a Mastra function receives its input: a tool's `execute(inputData, context)` (Mastra 1.x)
 * or `execute({ context })` (0.x, where `context` is the input), a step's or `.map()`'s
 * `execute({ inputData, mastra, ... })`.
 */
export type FunctionShape = 'tool' | 'step';

export type ScriptConversion =
  | { selfContained: true; code: string; inlined: string[] }
  | { selfContained: false; reasons: string[] };

/** Why a free name keeps a body out of the sandbox; anything else unknown is "not defined". */
const KNOWN_OUTSIDE: Record<string, string> = {
  fetch: 'calls fetch (scripts have no network: an http Tool or the http-fetch builtin does)',
  require: 'loads modules with require',
  process: 'reads process (the environment)',
  console: 'uses console, which scripts do not have',
  setTimeout: 'uses timers, which scripts do not have',
  setInterval: 'uses timers, which scripts do not have',
  Buffer: 'uses Buffer, which scripts do not have',
  Intl: 'uses Intl, which scripts do not have',
  globalThis: 'reads globalThis',
};
const MAX_HELPERS = 50;

/** The function an `execute` value (or a name of one) is. */
export function functionOf(expression: ts.Expression, sources: MastraSources): FunctionNode | undefined {
  const node = sources.resolve(expression);
  if (ts.isArrowFunction(node) || ts.isFunctionExpression(node)) return node;
  if (ts.isIdentifier(node)) {
    const declaration = sources.declarationOf(node.text, node);
    if (declaration?.kind === 'function') return declaration.declaration;
  }
  return undefined;
}

/**
 * A Mastra function as the body of a script tool (`async function (input)`, docs/resources.md):
 * the function itself, with the project's helpers it calls (functions and constants that are
 * themselves self-contained), called with `input` the way Mastra would call it. Types are
 * stripped. Not possible when it reaches outside: imports, the Mastra runtime (`mastra`,
 * `getStepResult`, `suspend`...), `fetch`, `process`, variables it does not own.
 */
export function convertToScript(fn: FunctionNode, shape: FunctionShape, sources: MastraSources, options: { inputHasContextKey?: boolean } = {}): ScriptConversion {
  const call = callShape(fn, shape, options.inputHasContextKey ?? false);
  const reasons = [...call.reasons];
  const helpers: string[] = [];
  const helperSources: string[] = [];
  const seen = new Set<string>();
  const visit = (node: ts.Node, runtime: ReadonlySet<string>, owner: string | undefined) => {
    const outside = outsideReferences(node);
    const where = owner ? ` (in ${owner})` : '';
    if (outside.usesThis) reasons.push(`uses this${where}`);
    if (outside.importsDynamically) reasons.push(`imports modules with import()${where}`);
    for (const name of outside.names) {
      if (SCRIPT_GLOBALS.has(name) || seen.has(name)) continue;
      if (runtime.has(name)) {
        reasons.push(`uses ${name} from the Mastra runtime${where}`);
        continue;
      }
      if (KNOWN_OUTSIDE[name] && !sources.declarationOf(name, node)) {
        reasons.push(`${KNOWN_OUTSIDE[name]}${where}`);
        continue;
      }
      const helper = helperOf(name, node, sources);
      if (typeof helper === 'string') {
        reasons.push(`uses ${name}, ${helper}${where}`);
        continue;
      }
      seen.add(name);
      if (seen.size > MAX_HELPERS) {
        reasons.push('calls more project helpers than can be inlined');
        return;
      }
      visit(helper.node, new Set(), name);
      helpers.push(name);
      helperSources.push(helper.text);
    }
  };
  // The Mastra runtime comes in as the function's own parameters (`{ context, mastra }`,
  // `(input, { runtimeContext })`): outside references of the body, not of the function.
  if (fn.body) for (const name of outsideReferences(fn.body).names) if (call.runtime.has(name)) reasons.push(`uses ${name} from the Mastra runtime`);
  visit(fn, call.runtime, undefined);
  if (reasons.length > 0) return { selfContained: false, reasons: unique(reasons) };

  const taken = new Set([...helpers, 'input']);
  const executeName = taken.has('execute') ? '__mastraExecute' : 'execute';
  const text = [
    'async function __kastraScript(input) {',
    ...helperSources,
    `const ${executeName} = ${functionText(fn)};`,
    `return ${executeName}(${call.argument});`,
    '}',
  ].join('\n');
  const code = transpiledBody(text);
  if (code === undefined) return { selfContained: false, reasons: ['is not valid TypeScript or JavaScript'] };
  return { selfContained: true, code, inlined: helpers };
}

/** What Mastra passes the function, and which of its parameters are the Mastra runtime. */
function callShape(fn: FunctionNode, shape: FunctionShape, inputHasContextKey: boolean): { argument: string; runtime: Set<string>; reasons: string[] } {
  const [first, ...rest] = fn.parameters;
  const runtime = new Set<string>();
  const reasons: string[] = [];
  for (const parameter of rest) bindingNames(parameter.name).forEach((name) => runtime.add(name));
  if (!first) return { argument: 'input', runtime, reasons };
  const wrapKey = shape === 'step' ? 'inputData' : 'context';
  const pattern = first.name;
  if (ts.isObjectBindingPattern(pattern)) {
    const element = pattern.elements.find((e) => !e.dotDotDotToken && elementKey(e) === wrapKey);
    const wrapped = shape === 'step' || (element !== undefined && !inputHasContextKey);
    if (!wrapped) return { argument: 'input', runtime, reasons };
    for (const other of pattern.elements) if (other !== element) bindingNames(other.name).forEach((name) => runtime.add(name));
    return { argument: `{ ${wrapKey}: input }`, runtime, reasons };
  }
  if (ts.isIdentifier(pattern) && fn.body) {
    const uses = propertyUses(pattern.text, fn.body);
    const wrapped = shape === 'step' || (uses.keys.has('context') && !inputHasContextKey);
    if (!wrapped) return { argument: 'input', runtime, reasons };
    for (const key of uses.keys) if (key !== wrapKey) reasons.push(`uses ${pattern.text}.${key} from the Mastra runtime`);
    if (uses.whole) reasons.push(`passes the whole ${pattern.text} (the Mastra runtime) on`);
    return { argument: `{ ${wrapKey}: input }`, runtime, reasons };
  }
  return { argument: 'input', runtime, reasons };
}

/** The properties read from `name` in `body`, and whether it is used whole (passed on, spread). */
function propertyUses(name: string, body: ts.Node): { keys: Set<string>; whole: boolean } {
  const keys = new Set<string>();
  let whole = false;
  for (const { at } of referencedNames(body)) {
    if (at.text !== name) continue;
    const parent = at.parent;
    if ((ts.isPropertyAccessExpression(parent) || ts.isPropertyAccessChain(parent)) && parent.expression === at) keys.add(parent.name.text);
    else if (ts.isElementAccessExpression(parent) && ts.isStringLiteral(parent.argumentExpression)) keys.add(parent.argumentExpression.text);
    else if (ts.isVariableDeclaration(parent) && parent.initializer === at && ts.isObjectBindingPattern(parent.name)) {
      for (const element of parent.name.elements) {
        const key = elementKey(element);
        if (key === undefined) whole = true;
        else keys.add(key);
      }
    } else whole = true;
  }
  return { keys, whole };
}

/** A project function or constant a body calls, as source to put before it; or why it cannot be. */
function helperOf(name: string, from: ts.Node, sources: MastraSources): { node: ts.Node; text: string } | string {
  const declaration = sources.declarationOf(name, from);
  if (!declaration) return 'which is not defined in the project';
  if (declaration.kind === 'external') return `imported from ${declaration.module}`;
  if (declaration.kind === 'binding') return 'a variable of the enclosing code';
  if (declaration.kind === 'class') return 'a class (not inlined)';
  if (declaration.kind === 'function') {
    if (!declaration.declaration.body) return 'a function without a body';
    return { node: declaration.declaration, text: withoutExport(declaration.declaration.getText()) };
  }
  const initializer = declaration.initializer && unwrap(declaration.initializer);
  if (!declaration.constant || !initializer || !isInlinable(initializer)) return 'a variable whose value is only known at run time';
  return { node: initializer, text: `const ${name} = ${initializer.getText()};` };
}

/** Values whose source means the same inside the sandbox: functions and literals (of functions and literals). */
function isInlinable(node: ts.Expression): boolean {
  if (ts.isArrowFunction(node) || ts.isFunctionExpression(node)) return true;
  if (ts.isStringLiteral(node) || ts.isNumericLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isRegularExpressionLiteral(node)) return true;
  if ([ts.SyntaxKind.TrueKeyword, ts.SyntaxKind.FalseKeyword, ts.SyntaxKind.NullKeyword].includes(node.kind)) return true;
  if (ts.isPrefixUnaryExpression(node)) return isInlinable(node.operand);
  if (ts.isArrayLiteralExpression(node)) return node.elements.every((element) => isInlinable(unwrap(element)));
  if (ts.isObjectLiteralExpression(node)) {
    return node.properties.every((property) => ts.isPropertyAssignment(property) && !ts.isComputedPropertyName(property.name) && isInlinable(unwrap(property.initializer)));
  }
  return false;
}

function functionText(fn: FunctionNode): string {
  if (ts.isMethodDeclaration(fn)) {
    const isAsync = ts.getModifiers(fn)?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword);
    const star = fn.asteriskToken ? '*' : '';
    return `${isAsync ? 'async ' : ''}function${star} (${fn.parameters.map((p) => p.getText()).join(', ')}) ${fn.body?.getText() ?? '{}'}`;
  }
  return withoutExport(fn.getText());
}

function withoutExport(text: string): string {
  return text.replace(/^export\s+(default\s+)?/, '');
}

/** The statements of `__kastraScript` once TypeScript has stripped the types, dedented. */
function transpiledBody(text: string): string | undefined {
  const output = ts.transpileModule(text, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, removeComments: false },
    reportDiagnostics: true,
  });
  if ((output.diagnostics ?? []).some((d) => d.category === ts.DiagnosticCategory.Error)) return undefined;
  const file = ts.createSourceFile('script.js', output.outputText, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const wrapper = file.statements.find(ts.isFunctionDeclaration);
  const statements = wrapper?.body?.statements;
  if (!statements || statements.length === 0) return undefined;
  const body = output.outputText.slice(statements[0].getFullStart(), statements[statements.length - 1].end);
  return dedent(body.replace(/^\s*\n/, ''));
}

function dedent(text: string): string {
  const lines = text.split('\n');
  const indents = lines.filter((line) => line.trim() !== '').map((line) => /^ */.exec(line)![0].length);
  const cut = Math.min(...indents);
  return lines.map((line) => line.slice(Math.min(cut, /^ */.exec(line)![0].length))).join('\n').trim();
}

function elementKey(element: ts.BindingElement): string | undefined {
  const key = element.propertyName ?? element.name;
  if (ts.isIdentifier(key) || ts.isStringLiteral(key)) return key.text;
  return undefined;
}

function bindingNames(binding: ts.BindingName): string[] {
  if (ts.isIdentifier(binding)) return [binding.text];
  return binding.elements.flatMap((element) => (ts.isOmittedExpression(element) ? [] : bindingNames(element.name)));
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}
