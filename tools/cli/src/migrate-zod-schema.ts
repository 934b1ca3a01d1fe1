import * as ts from 'typescript';
import { literalValue, propertyKey, stringValue } from './migrate-literal-values';
import { unwrap, type MastraSources } from './migrate-mastra-sources';

export type JsonSchema = Record<string, unknown>;

/** A JSON Schema read from zod source, and what of the zod could not be expressed. */
export interface SchemaConversion {
  schema: JsonSchema;
  /** One sentence each, e.g. "`z.date()` has no JSON Schema form: any value accepted". */
  problems: string[];
}

interface Converted {
  schema: JsonSchema;
  /** `.optional()`, `.default()`: the key may be left out of its object. */
  optional: boolean;
}

const FORMATS: Record<string, string> = { email: 'email', url: 'uri', uuid: 'uuid', datetime: 'date-time', date: 'date', time: 'time', ipv4: 'ipv4', ipv6: 'ipv6' };
/** Modifiers that change nothing a JSON Schema of the input can say. */
const NEUTRAL_MODIFIERS = new Set(['passthrough', 'strip', 'trim', 'toLowerCase', 'toUpperCase', 'readonly', 'finite', 'safe']);
const MAX_DEPTH = 40;

/**
 * The JSON Schema of a zod schema written in source, read statically: `z.object`, `z.string`,
 * `z.number`, `z.boolean`, `z.array`, `z.enum`, `z.literal`, `z.union`, `z.record`, `z.any`, and
 * `.optional()`, `.nullable()`, `.describe()`, `.default()`, `.int()`, `.min()`/`.max()`, string
 * formats. A constructor it does not know becomes `{}` (any value) with a problem; a modifier it
 * does not know (`.refine()`, `.transform()`) is dropped with a problem.
 */
export function zodToJsonSchema(expression: ts.Expression, sources: MastraSources): SchemaConversion {
  const problems: string[] = [];
  const { schema } = convert(expression, sources, problems, 0);
  return { schema, problems };
}

function convert(expression: ts.Expression, sources: MastraSources, problems: string[], depth: number): Converted {
  const node = sources.resolve(expression);
  if (depth > MAX_DEPTH) return unknownSchema(node, problems, 'is nested too deeply to read');
  if (!ts.isCallExpression(node) || !ts.isPropertyAccessExpression(node.expression)) {
    return unknownSchema(node, problems, 'is not a zod schema written in the project');
  }
  const method = node.expression.name.text;
  const receiver = unwrap(node.expression.expression);
  if (ts.isIdentifier(receiver) && isZodNamespace(receiver, sources)) return construct(method, node, sources, problems, depth);
  const inner = convert(receiver, sources, problems, depth + 1);
  return modify(inner, method, node, sources, problems);
}

function isZodNamespace(identifier: ts.Identifier, sources: MastraSources): boolean {
  const module = sources.packageOf(identifier);
  return module === undefined ? identifier.text === 'z' : module === 'zod' || module.startsWith('zod/');
}

function construct(name: string, call: ts.CallExpression, sources: MastraSources, problems: string[], depth: number): Converted {
  const [first, second] = call.arguments;
  const of = (schema: JsonSchema): Converted => ({ schema, optional: false });
  switch (name) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'null':
      return of({ type: name });
    case 'bigint':
      return of({ type: 'integer' });
    case 'any':
    case 'unknown':
      return of({});
    case 'undefined':
    case 'void':
      return { schema: {}, optional: true };
    case 'object':
    case 'strictObject':
    case 'looseObject': {
      const object = first ? objectSchema(first, sources, problems, depth) : { type: 'object' };
      return of(name === 'strictObject' ? { ...object, additionalProperties: false } : object);
    }
    case 'array':
      return of({ type: 'array', ...(first ? { items: convert(first, sources, problems, depth + 1).schema } : {}) });
    case 'enum': {
      const values = first ? literalArray(first, sources) : undefined;
      if (values) return of({ type: 'string', enum: values });
      return unknownSchema(call, problems, 'lists its values in a way that cannot be read');
    }
    case 'literal': {
      const value = first ? literalValue(first, sources) : undefined;
      if (value !== undefined) return of({ const: value });
      return unknownSchema(call, problems, 'has a value that cannot be read');
    }
    case 'union':
    case 'discriminatedUnion': {
      const list = sources.resolve((name === 'union' ? first : second) ?? call);
      if (!ts.isArrayLiteralExpression(list)) return unknownSchema(call, problems, 'lists its members in a way that cannot be read');
      return of({ anyOf: list.elements.map((element) => convert(element, sources, problems, depth + 1).schema) });
    }
    case 'record': {
      const values = second ?? first;
      return of({ type: 'object', ...(values ? { additionalProperties: convert(values, sources, problems, depth + 1).schema } : {}) });
    }
    case 'optional':
    case 'nullable':
      return first ? modify(convert(first, sources, problems, depth + 1), name, call, sources, problems) : unknownSchema(call, problems, 'has no argument');
    case 'email':
    case 'url':
    case 'uuid':
      return of({ type: 'string', format: FORMATS[name] });
    default:
      return unknownSchema(call, problems, 'has no JSON Schema form here');
  }
}

function modify(inner: Converted, method: string, call: ts.CallExpression, sources: MastraSources, problems: string[]): Converted {
  const schema = { ...inner.schema };
  const argument = call.arguments[0];
  const number = argument ? numberValue(argument, sources) : undefined;
  switch (method) {
    case 'optional':
      return { schema, optional: true };
    case 'nullish':
      return { schema: nullable(schema), optional: true };
    case 'nullable':
      return { schema: nullable(schema), optional: inner.optional };
    case 'describe': {
      const text = argument ? stringValue(argument, sources) : undefined;
      if (text === undefined) problems.push(`the description of ${source(call)} cannot be read: left out`);
      return { schema: text === undefined ? schema : { ...schema, description: text }, optional: inner.optional };
    }
    case 'default': {
      const value = argument ? literalValue(argument, sources) : undefined;
      if (value === undefined) problems.push(`the default of ${source(call)} cannot be read: left out`);
      return { schema: value === undefined ? schema : { ...schema, default: value }, optional: true };
    }
    case 'int':
      return { schema: { ...schema, type: 'integer' }, optional: inner.optional };
    case 'array':
      return { schema: { type: 'array', items: schema }, optional: false };
    case 'strict':
      return { schema: { ...schema, additionalProperties: false }, optional: inner.optional };
    case 'nonempty':
      return { schema: { ...schema, ...(schema.type === 'array' ? { minItems: 1 } : { minLength: 1 }) }, optional: inner.optional };
    case 'positive':
    case 'nonnegative':
    case 'negative':
    case 'nonpositive':
      return { schema: { ...schema, ...signBound(method) }, optional: inner.optional };
    case 'min':
    case 'max':
    case 'length':
    case 'gte':
    case 'lte':
    case 'gt':
    case 'lt': {
      const bound = number === undefined ? undefined : sizeBound(schema.type, method, number);
      if (!bound) problems.push(`${source(call)} cannot be read: the bound is left out`);
      return { schema: { ...schema, ...bound }, optional: inner.optional };
    }
    case 'regex': {
      const pattern = argument && ts.isRegularExpressionLiteral(argument) ? argument.text.slice(1, argument.text.lastIndexOf('/')) : undefined;
      if (pattern === undefined) problems.push(`${source(call)} cannot be read: the pattern is left out`);
      return { schema: pattern === undefined ? schema : { ...schema, pattern }, optional: inner.optional };
    }
    default:
      if (FORMATS[method]) return { schema: { ...schema, format: FORMATS[method] }, optional: inner.optional };
      if (NEUTRAL_MODIFIERS.has(method)) return { schema, optional: inner.optional };
      problems.push(`\`.${method}()\` has no JSON Schema form: left out (${source(call)})`);
      return { schema, optional: inner.optional };
  }
}

function objectSchema(shapeExpression: ts.Expression, sources: MastraSources, problems: string[], depth: number): JsonSchema {
  const shape = sources.resolve(shapeExpression);
  if (!ts.isObjectLiteralExpression(shape)) {
    problems.push(`the shape of ${source(shapeExpression)} cannot be read: any object accepted`);
    return { type: 'object' };
  }
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const property of shape.properties) {
    const key = property.name ? propertyKey(property.name) : undefined;
    const value = ts.isPropertyAssignment(property) ? property.initializer : ts.isShorthandPropertyAssignment(property) ? property.name : undefined;
    if (key === undefined || value === undefined) {
      problems.push(`${source(property)} in an object schema cannot be read: left out`);
      continue;
    }
    const converted = convert(value, sources, problems, depth + 1);
    properties[key] = converted.schema;
    if (!converted.optional) required.push(key);
  }
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
}

function nullable(schema: JsonSchema): JsonSchema {
  if (typeof schema.type === 'string') return { ...schema, type: [schema.type, 'null'] };
  return { anyOf: [schema, { type: 'null' }] };
}

function signBound(method: string): JsonSchema {
  if (method === 'positive') return { exclusiveMinimum: 0 };
  if (method === 'nonnegative') return { minimum: 0 };
  if (method === 'negative') return { exclusiveMaximum: 0 };
  return { maximum: 0 };
}

function sizeBound(type: unknown, method: string, value: number): JsonSchema | undefined {
  const lower = ['min', 'gte', 'gt'].includes(method);
  if (type === 'number' || type === 'integer') {
    if (method === 'gt') return { exclusiveMinimum: value };
    if (method === 'lt') return { exclusiveMaximum: value };
    if (method === 'length') return undefined;
    return lower ? { minimum: value } : { maximum: value };
  }
  const [min, max] = type === 'array' ? ['minItems', 'maxItems'] : type === 'string' ? ['minLength', 'maxLength'] : [];
  if (!min || !max || method === 'gt' || method === 'lt') return undefined;
  if (method === 'length') return { [min]: value, [max]: value };
  return { [lower ? min : max]: value };
}

function unknownSchema(node: ts.Node, problems: string[], why: string): Converted {
  problems.push(`${source(node)} ${why}: any value accepted`);
  return { schema: {}, optional: false };
}

/** The source of a node for a report line, shortened. */
function source(node: ts.Node): string {
  const text = node.getText().replace(/\s+/g, ' ');
  return `\`${text.length > 60 ? `${text.slice(0, 57)}...` : text}\``;
}

function numberValue(expression: ts.Expression, sources: MastraSources): number | undefined {
  const value = literalValue(expression, sources);
  return typeof value === 'number' ? value : undefined;
}

function literalArray(expression: ts.Expression, sources: MastraSources): string[] | undefined {
  const value = literalValue(expression, sources);
  return Array.isArray(value) && value.every((item) => typeof item === 'string') ? (value as string[]) : undefined;
}
