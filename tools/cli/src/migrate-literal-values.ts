import * as ts from 'typescript';
import type { MastraSources } from './migrate-mastra-sources';

/** The text of a property name written as an identifier or a literal; undefined when computed. */
export function propertyKey(name: ts.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name) || ts.isPrivateIdentifier(name)) return name.text;
  if (ts.isNoSubstitutionTemplateLiteral(name)) return name.text;
  return undefined;
}

/** A JSON literal written in source (strings, numbers, booleans, null, arrays and objects of them). */
export function literalValue(expression: ts.Expression, sources: MastraSources): unknown {
  const node = sources.resolve(expression);
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isNumericLiteral(node)) return Number(node.text);
  if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(node.operand)) return -Number(node.operand.text);
  if (node.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (node.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (node.kind === ts.SyntaxKind.NullKeyword) return null;
  if (ts.isArrayLiteralExpression(node)) {
    const items = node.elements.map((element) => literalValue(element, sources));
    return items.some((item) => item === undefined) ? undefined : items;
  }
  if (ts.isObjectLiteralExpression(node)) {
    const entries: Array<[string, unknown]> = [];
    for (const property of node.properties) {
      if (!ts.isPropertyAssignment(property)) return undefined;
      const key = propertyKey(property.name);
      const value = literalValue(property.initializer, sources);
      if (key === undefined || value === undefined) return undefined;
      entries.push([key, value]);
    }
    return Object.fromEntries(entries);
  }
  return undefined;
}

export function stringValue(expression: ts.Expression, sources: MastraSources): string | undefined {
  const value = literalValue(expression, sources);
  return typeof value === 'string' ? value : undefined;
}

/** The value of `name` in an object literal (`{ name: value }` or `{ name }`). */
export function property(object: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined {
  for (const element of object.properties) {
    if (ts.isPropertyAssignment(element) && propertyKey(element.name) === name) return element.initializer;
    if (ts.isShorthandPropertyAssignment(element) && element.name.text === name) return element.name;
  }
  return undefined;
}

/** Text written as a string, a template without substitutions or one whose substitutions are literals. */
export function textValue(expression: ts.Expression, sources: MastraSources): string | undefined {
  const node = sources.resolve(expression);
  if (ts.isTemplateExpression(node)) {
    let text = node.head.text;
    for (const span of node.templateSpans) {
      const value = literalValue(span.expression, sources);
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return undefined;
      text += String(value) + span.literal.text;
    }
    return text;
  }
  if (ts.isArrayLiteralExpression(node)) {
    const parts = node.elements.map((element) => textValue(element, sources));
    return parts.every((part) => part !== undefined) ? parts.join('\n') : undefined;
  }
  return stringValue(node, sources);
}

/** Text without the indentation its lines share, and without leading and trailing blank lines. */
export function dedentText(text: string): string {
  const lines = text.split('\n');
  const indents = lines.filter((line) => line.trim() !== '').map((line) => /^[ \t]*/.exec(line)![0].length);
  const cut = indents.length > 0 ? Math.min(...indents) : 0;
  return lines.map((line) => line.slice(cut)).join('\n').trim();
}
