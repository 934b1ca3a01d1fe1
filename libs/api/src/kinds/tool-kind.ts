import { MASTRA_KIND_PLACEMENT } from '../resource';
import type { FieldCause } from '../api-errors';
import { BUILTIN_KIND_NAMES } from './kind-names';
import type { JsonSchema } from '../kind-definition';
import { formatFieldPath, type FieldPathSegment } from '../field-path';
import { specReferences } from '../references';
import { asRecord, type BuiltinKind, type RawReference } from './builtin-kind';
import { ageColumn, readyColumn, resourceSchema } from './resource-schema';
import { freeForm, secretKeySelectorSchema } from './spec-schemas';

const DESCRIPTION = 'A tool agents and workflow steps can call: an HTTP endpoint, an MCP tool, a built-in or a script.';

/** Built-in tools the executors provide. */
export const BUILTIN_TOOLS = ['current-time', 'http-fetch', 'json-path'] as const;
export const TOOL_EXECUTORS = ['http', 'mcp', 'builtin', 'script'] as const;
export type ToolExecutor = (typeof TOOL_EXECUTORS)[number];

const headerValueSchema: JsonSchema = {
  description: 'A literal value, or {secretRef: {name, key}} to send a Secret value.',
  anyOf: [
    { type: 'string', description: 'A literal header value.' },
    {
      type: 'object',
      description: 'A header value taken from a Secret.',
      required: ['secretRef'],
      additionalProperties: false,
      properties: { secretRef: secretKeySelectorSchema },
    },
  ],
};

export const toolSpecSchema: JsonSchema = {
  type: 'object',
  description: 'What the tool does, its input and output, and exactly one executor.',
  additionalProperties: false,
  properties: {
    description: { type: 'string', description: 'What the tool does; shown to the model.' },
    inputSchema: freeForm('JSON Schema of the input.'),
    outputSchema: freeForm('JSON Schema of the output.'),
    http: {
      type: 'object',
      description: 'Call an HTTP endpoint with the input as JSON body (query string for GET).',
      required: ['url'],
      additionalProperties: false,
      properties: {
        url: { type: 'string', format: 'uri', description: 'The endpoint.' },
        method: {
          type: 'string',
          enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
          description: 'HTTP method. @default POST',
        },
        headers: {
          type: 'object',
          description: 'Request headers; values from Secrets never appear in status or logs.',
          additionalProperties: headerValueSchema,
        },
      },
    },
    mcp: {
      type: 'object',
      description: 'Call a tool of a Model Context Protocol server.',
      required: ['server', 'tool'],
      additionalProperties: false,
      properties: {
        server: {
          type: 'object',
          description:
            'The server: {url} (Streamable HTTP), or a stdio server the operator configured (KASTRA_MCP_COMMANDS): {stdio: <name>}, or {command, args} equal to a configured one; exactly one of url, stdio, command.',
          additionalProperties: false,
          properties: {
            url: { type: 'string', format: 'uri', description: 'Streamable HTTP endpoint (subject to the egress policy).' },
            stdio: { type: 'string', minLength: 1, description: 'Name of a stdio MCP server the operator configured in KASTRA_MCP_COMMANDS.' },
            command: { type: 'string', minLength: 1, description: 'Executable of a configured stdio server; command and args must equal a KASTRA_MCP_COMMANDS entry.' },
            args: { type: 'array', description: 'Arguments of command.', items: { type: 'string', description: 'An argument.' } },
            env: {
              type: 'object',
              description: 'Variables of the stdio server from Secrets; only names its KASTRA_MCP_COMMANDS entry lists in secretEnv. The server gets no other environment than these and the operator\'s.',
              additionalProperties: {
                type: 'object',
                description: 'A variable taken from a Secret.',
                required: ['secretRef'],
                additionalProperties: false,
                properties: { secretRef: secretKeySelectorSchema },
              },
            },
          },
        },
        tool: { type: 'string', minLength: 1, description: 'The MCP tool name.' },
      },
    },
    builtin: { type: 'string', enum: [...BUILTIN_TOOLS], description: 'A tool built into the executors.' },
    script: {
      type: 'object',
      description: 'Sandboxed JavaScript: the body of an async function of `input` whose return value is the output.',
      required: ['code'],
      additionalProperties: false,
      properties: {
        code: { type: 'string', minLength: 1, description: 'Function body, e.g. `return { sum: input.a + input.b }`.' },
        timeoutMs: { type: 'integer', minimum: 1, maximum: 60000, description: 'Run time limit. @default 1000' },
      },
    },
  },
};

/** The executors a Tool spec sets (a valid one sets exactly one). */
export function toolExecutorsOf(spec: Record<string, unknown>): ToolExecutor[] {
  return TOOL_EXECUTORS.filter((executor) => spec[executor] !== undefined);
}

function rawReferences(spec: Record<string, unknown>, at: FieldPathSegment[]): RawReference[] {
  const refs: RawReference[] = [];
  const collect = (values: Record<string, unknown>, path: string[]) => {
    for (const [name, value] of Object.entries(values)) {
      const secretRef = asRecord(asRecord(value)?.secretRef);
      if (secretRef && typeof secretRef.name === 'string') refs.push({ kind: 'Secret', ref: secretRef.name, at: [...at, ...path, name, 'secretRef'] });
    }
  };
  collect(asRecord(asRecord(spec.http)?.headers) ?? {}, ['http', 'headers']);
  collect(asRecord(asRecord(asRecord(spec.mcp)?.server)?.env) ?? {}, ['mcp', 'server', 'env']);
  return refs;
}

function specCauses(spec: Record<string, unknown>, at: FieldPathSegment[]): FieldCause[] {
  const causes: FieldCause[] = [];
  const executors = toolExecutorsOf(spec);
  if (executors.length !== 1) {
    causes.push({
      reason: executors.length === 0 ? 'FieldValueRequired' : 'FieldValueInvalid',
      field: formatFieldPath(at),
      message:
        executors.length === 0
          ? 'Required value: exactly one executor must be set: http, mcp, builtin or script'
          : `Invalid value: exactly one executor may be set, found ${executors.join(', ')}`,
    });
  }
  const server = asRecord(asRecord(spec.mcp)?.server);
  const serverField = (...rest: string[]) => formatFieldPath([...at, 'mcp', 'server', ...rest]);
  const transports = server ? (['url', 'stdio', 'command'] as const).filter((field) => server[field] !== undefined) : [];
  if (server && transports.length !== 1) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: serverField(),
      message: 'Invalid value: set exactly one of url (HTTP server), stdio (a configured stdio server) or command',
    });
  }
  if (server && server.args !== undefined && server.command === undefined) {
    causes.push({ reason: 'FieldValueInvalid', field: serverField('args'), message: 'Invalid value: args needs command' });
  }
  if (server && server.env !== undefined && server.url !== undefined) {
    causes.push({ reason: 'FieldValueInvalid', field: serverField('env'), message: 'Invalid value: env is for stdio servers' });
  }
  return causes;
}

export const toolKind: BuiltinKind = {
  ...BUILTIN_KIND_NAMES.Tool,
  ...MASTRA_KIND_PLACEMENT,
  hasStatus: true,
  description: DESCRIPTION,
  specSchema: toolSpecSchema,
  schema: resourceSchema('Tool', DESCRIPTION, toolSpecSchema),
  printerColumns: [
    { name: 'Builtin', type: 'string', jsonPath: '.spec.builtin', description: 'Built-in tool name, if any.' },
    { name: 'URL', type: 'string', jsonPath: '.spec.http.url', description: 'HTTP endpoint, if any.', priority: 1 },
    readyColumn,
    ageColumn,
  ],
  rawReferences,
  specCauses,
  references: specReferences(rawReferences),
};
