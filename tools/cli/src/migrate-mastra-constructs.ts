import * as ts from 'typescript';
import type { MastraSources } from './migrate-mastra-sources';

/** The Mastra constructs `kastra migrate mastra` translates. */
export type ConstructName = 'Agent' | 'Mastra' | 'Memory' | 'createTool' | 'createStep' | 'createWorkflow';
const HANDLED: ReadonlySet<string> = new Set<ConstructName>(['Agent', 'Mastra', 'Memory', 'createTool', 'createStep', 'createWorkflow']);

/** One method call of a workflow's builder chain: `.then(step)`, `.branch([...])`, `.commit()`. */
export interface ChainLink {
  method: string;
  call: ts.CallExpression;
}

/** Every construct of the project, in file and source order. */
export interface MastraConstructs {
  agents: ts.NewExpression[];
  tools: ts.CallExpression[];
  steps: ts.CallExpression[];
  workflows: ts.CallExpression[];
  registries: ts.NewExpression[];
  /** Other `new X()` / `x()` of a `@mastra/*` package outside the constructs above (MCPClient, AgentNetwork...). */
  others: Array<{ node: ts.CallExpression | ts.NewExpression; name: string; module: string }>;
}

/**
 * Whether `node` is `new Agent(...)`, `createTool(...)`... of Mastra: the name imported from a
 * `@mastra/*` package (under any local alias), or the bare name when the file does not define
 * or import it.
 */
export function isMastraConstruct(node: ts.CallExpression | ts.NewExpression, name: ConstructName, sources: MastraSources): boolean {
  if (!ts.isIdentifier(node.expression)) return false;
  const declaration = sources.declarationOf(node.expression.text, node.expression);
  if (!declaration) return node.expression.text === name;
  return declaration.kind === 'external' && declaration.module.startsWith('@mastra/') && declaration.imported === name;
}

export function findConstructs(sources: MastraSources): MastraConstructs {
  const found: MastraConstructs = { agents: [], tools: [], steps: [], workflows: [], registries: [], others: [] };
  const candidates: Array<{ node: ts.CallExpression | ts.NewExpression; name: string; module: string }> = [];
  const visit = (node: ts.Node) => {
    if (ts.isNewExpression(node)) {
      if (isMastraConstruct(node, 'Agent', sources)) found.agents.push(node);
      else if (isMastraConstruct(node, 'Mastra', sources)) found.registries.push(node);
      else collectOther(node);
    } else if (ts.isCallExpression(node)) {
      if (isMastraConstruct(node, 'createTool', sources)) found.tools.push(node);
      else if (isMastraConstruct(node, 'createStep', sources)) found.steps.push(node);
      else if (isMastraConstruct(node, 'createWorkflow', sources)) found.workflows.push(node);
      else collectOther(node);
    }
    ts.forEachChild(node, visit);
  };
  const collectOther = (node: ts.CallExpression | ts.NewExpression) => {
    if (!ts.isIdentifier(node.expression)) return;
    const declaration = sources.declarationOf(node.expression.text, node.expression);
    if (declaration?.kind !== 'external' || !declaration.module.startsWith('@mastra/') || HANDLED.has(declaration.imported)) return;
    candidates.push({ node, name: declaration.imported, module: declaration.module });
  };
  for (const file of sources.files) visit(file);
  const handled = new Set<ts.Node>([...found.agents, ...found.tools, ...found.steps, ...found.workflows, ...found.registries]);
  for (const workflow of found.workflows) for (const link of workflowChain(workflow)) handled.add(link.call);
  found.others = candidates.filter(({ node }) => !hasAncestorIn(node, handled));
  return found;
}

/**
 * The builder calls of a `createWorkflow(...)`, in order: chained on the call
 * (`createWorkflow(...).then(a).commit()`), and in later statements of the same block on the
 * variable holding it (`const wf = createWorkflow(...); wf.then(a); wf.commit();`).
 */
export function workflowChain(create: ts.CallExpression): ChainLink[] {
  const links = linksAbove(create);
  const top = links.length > 0 ? links[links.length - 1].call : create;
  const declaration = top.parent;
  if (!declaration || !ts.isVariableDeclaration(declaration) || !ts.isIdentifier(declaration.name)) return links;
  const statement = declaration.parent?.parent;
  const block = statement?.parent;
  if (!statement || !block || !('statements' in block)) return links;
  const statements = (block as ts.Block | ts.SourceFile).statements;
  const name = declaration.name.text;
  for (const later of statements.slice(statements.indexOf(statement as ts.Statement) + 1)) {
    if (!ts.isExpressionStatement(later)) continue;
    const root = chainRoot(later.expression);
    if (root && ts.isIdentifier(root) && root.text === name) links.push(...linksAbove(root));
  }
  return links;
}

function linksAbove(start: ts.Expression): ChainLink[] {
  const links: ChainLink[] = [];
  let current: ts.Expression = start;
  for (;;) {
    const access = current.parent;
    if (!access || !ts.isPropertyAccessExpression(access) || access.expression !== current) break;
    const call = access.parent;
    if (!call || !ts.isCallExpression(call) || call.expression !== access) break;
    links.push({ method: access.name.text, call });
    current = call;
  }
  return links;
}

function chainRoot(expression: ts.Expression): ts.Expression | undefined {
  let current = expression;
  while (ts.isCallExpression(current) && ts.isPropertyAccessExpression(current.expression)) current = current.expression.expression;
  return current === expression ? undefined : current;
}

function hasAncestorIn(node: ts.Node, set: ReadonlySet<ts.Node>): boolean {
  for (let current = node.parent; current; current = current.parent) if (set.has(current)) return true;
  return false;
}
