import { BUILTIN_KINDS, type JsonSchema } from '@kastra/api';

/**
 * The TypeScript source of the resource types (`LLMResource`, `AgentResource`, …), generated from
 * the kinds' JSON Schemas in @kastra/api — the schemas the API server validates with — so the
 * types are never written a second time. `npm run sdk:pack` writes it to
 * `resource-types.generated.ts`; a unit test fails when that file is behind the schemas.
 */
export function resourceTypesSource(): string {
  const generator = new TypeGenerator();
  const kinds = BUILTIN_KINDS.map((kind) => {
    const schema = kind.schema as JsonSchema & { properties?: Record<string, JsonSchema>; required?: string[] };
    const properties = schema.properties ?? {};
    const name = `${kind.kind}Resource`;
    const apiVersion = kind.group === '' ? kind.version : `${kind.group}/${kind.version}`;
    const specSchema = properties.spec;
    if (specSchema) generator.name(specSchema, `${kind.kind}Spec`);
    if (properties.metadata) generator.name(properties.metadata, 'ObjectMeta');
    if (properties.status) generator.name(properties.status, 'ResourceStatus');
    const fields = Object.entries(properties).map(([field, fieldSchema]) => {
      const optional = !(schema.required ?? []).includes(field);
      const type = field === 'apiVersion' ? JSON.stringify(apiVersion) : field === 'kind' ? JSON.stringify(kind.kind) : generator.typeOf(fieldSchema, 1);
      return `${doc(fieldSchema, '  ')}  ${propertyName(field)}${optional ? '?' : ''}: ${type};`;
    });
    generator.declare(name, `${doc(schema, '')}export interface ${name} {\n${fields.join('\n')}\n}`);
    return { kind: kind.kind, name };
  });
  const union = `/** Any resource of a built-in kind. */\nexport type KnownResource =\n${kinds.map((k) => `  | ${k.name}`).join('\n')};`;
  const byKind = `/** The resource type of each built-in kind, by kind name. */\nexport interface ResourceTypes {\n${kinds.map((k) => `  ${k.kind}: ${k.name};`).join('\n')}\n}`;
  return [
    '// Generated from the kinds\' JSON Schemas in @kastra/api by resource-type-generator.ts',
    '// (`npm run sdk:pack` rewrites it). Do not edit by hand.',
    '/* eslint-disable */',
    '',
    ...generator.declarations(),
    union,
    '',
    byKind,
    '',
  ].join('\n');
}

class TypeGenerator {
  private readonly names = new Map<JsonSchema, string>();
  private readonly declared = new Map<string, string>();

  /** Gives a schema its own declaration (shared schemas are written once). */
  name(schema: JsonSchema, name: string): void {
    if (this.names.has(schema)) return;
    this.names.set(schema, name);
    this.declared.set(name, ''); // reserve the order
    this.declared.set(name, this.declarationOf(schema, name));
  }

  declare(name: string, source: string): void {
    this.declared.set(name, source);
  }

  declarations(): string[] {
    return [...this.declared.values()].map((source) => `${source}\n`);
  }

  typeOf(schema: JsonSchema, depth: number): string {
    const named = this.names.get(schema);
    if (named) return named;
    return this.inline(schema, depth);
  }

  private declarationOf(schema: JsonSchema, name: string): string {
    const body = this.inline(schema, 0);
    return body.startsWith('{') ? `${doc(schema, '')}export interface ${name} ${body}` : `${doc(schema, '')}export type ${name} = ${body};`;
  }

  private inline(raw: JsonSchema, depth: number): string {
    const schema = raw as Record<string, unknown>;
    const variants = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
    if (Array.isArray(variants)) {
      const base = { ...schema };
      delete base.anyOf;
      delete base.oneOf;
      const own = Object.keys(base).some((key) => ['type', 'properties', 'items', 'enum'].includes(key)) ? this.inline(base as JsonSchema, depth) : undefined;
      const union = [...new Set(variants.map((variant) => this.typeOf(variant, depth)))].join(' | ');
      // A base object with anyOf of `required` lists (one of these fields) is the base object itself.
      if (own && variants.every((variant) => Object.keys(variant).every((key) => key === 'required' || key === 'description'))) return own;
      return own ? `${own} & (${union})` : union;
    }
    if (Array.isArray(schema.enum)) return schema.enum.map((value) => JSON.stringify(value)).join(' | ');
    if ('const' in schema) return JSON.stringify(schema.const);
    const type = schema.type;
    if (Array.isArray(type)) return type.map((t) => this.inline({ ...schema, type: t } as JsonSchema, depth)).join(' | ');
    switch (type) {
      case 'string':
        return 'string';
      case 'integer':
      case 'number':
        return 'number';
      case 'boolean':
        return 'boolean';
      case 'null':
        return 'null';
      case 'array': {
        const items = schema.items as JsonSchema | undefined;
        const item = items ? this.typeOf(items, depth) : 'unknown';
        return /^[A-Za-z0-9_]+$/.test(item) ? `${item}[]` : `Array<${item}>`;
      }
      case 'object':
        return this.objectType(schema, depth);
      default:
        return 'unknown';
    }
  }

  private objectType(schema: Record<string, unknown>, depth: number): string {
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((schema.required as string[] | undefined) ?? []);
    const indent = '  '.repeat(depth + 1);
    const lines = Object.entries(properties).map(
      ([field, fieldSchema]) => `${doc(fieldSchema, indent)}${indent}${propertyName(field)}${required.has(field) ? '' : '?'}: ${this.typeOf(fieldSchema, depth + 1)};`,
    );
    const additional = schema.additionalProperties;
    if (schema['x-kubernetes-preserve-unknown-fields'] === true || additional === true) lines.push(`${indent}[key: string]: unknown;`);
    else if (typeof additional === 'object' && additional !== null) {
      if (lines.length === 0) return `Record<string, ${this.typeOf(additional as JsonSchema, depth)}>`;
      lines.push(`${indent}[key: string]: unknown;`);
    } else if (lines.length === 0 && additional === undefined) return 'Record<string, unknown>';
    return `{\n${lines.join('\n')}\n${'  '.repeat(depth)}}`;
  }
}

function propertyName(field: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(field) ? field : JSON.stringify(field);
}

function doc(schema: JsonSchema, indent: string): string {
  const description = (schema as { description?: unknown }).description;
  if (typeof description !== 'string' || description === '') return '';
  return `${indent}/** ${description.replace(/\*\//g, '*\\/').replace(/\n/g, ' ')} */\n`;
}
