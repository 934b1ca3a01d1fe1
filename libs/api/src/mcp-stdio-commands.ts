/** One stdio MCP server the operator allows Tools to start. */
export interface McpStdioCommand {
  /** Executable (an absolute path is best: the server starts with an empty environment, PATH included). */
  command: string;
  args: string[];
  /** Fixed variables the operator gives the server (e.g. PATH, HOME). */
  env: Record<string, string>;
  /** Variables a Tool may set from its Secrets (`spec.mcp.server.env`); no others. */
  secretEnv: string[];
  /** Working directory. @default / */
  cwd?: string;
}

/** The operator's stdio MCP servers by name (`KASTRA_MCP_COMMANDS`). */
export type McpStdioCommands = ReadonlyMap<string, McpStdioCommand>;

/** KASTRA_MCP_COMMANDS is not the JSON map it must be. */
export class McpCommandsConfigError extends Error {
  override readonly name = 'McpCommandsConfigError';
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const parsed = new Map<string, McpStdioCommands>();

/**
 * Reads KASTRA_MCP_COMMANDS: a JSON object of name → `{command, args?, env?, secretEnv?, cwd?}`,
 * e.g. `{"github": {"command": "/usr/local/bin/github-mcp", "args": ["stdio"], "secretEnv": ["GITHUB_TOKEN"]}}`.
 * Unset or empty: no stdio server may run. @throws McpCommandsConfigError
 */
export function mcpStdioCommandsFromEnv(env: NodeJS.ProcessEnv = process.env): McpStdioCommands {
  const raw = env.KASTRA_MCP_COMMANDS?.trim() ?? '';
  let commands = parsed.get(raw);
  if (!commands) {
    commands = parseMcpStdioCommands(raw);
    parsed.set(raw, commands);
  }
  return commands;
}

export function parseMcpStdioCommands(raw: string): McpStdioCommands {
  if (raw === '') return new Map();
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new McpCommandsConfigError('KASTRA_MCP_COMMANDS is not JSON: give an object of name → {command, args, env, secretEnv}');
  }
  if (!isRecord(value)) throw new McpCommandsConfigError('KASTRA_MCP_COMMANDS must be a JSON object of name → {command, args, env, secretEnv}');
  const commands = new Map<string, McpStdioCommand>();
  for (const [name, entry] of Object.entries(value)) {
    const where = `KASTRA_MCP_COMMANDS.${name}`;
    if (!NAME.test(name)) throw new McpCommandsConfigError(`${where}: a name is lower-case letters, digits and '-'`);
    if (!isRecord(entry) || typeof entry.command !== 'string' || entry.command === '') throw new McpCommandsConfigError(`${where}.command must be a non-empty string`);
    const args = entry.args ?? [];
    if (!Array.isArray(args) || !args.every((arg) => typeof arg === 'string')) throw new McpCommandsConfigError(`${where}.args must be an array of strings`);
    const fixed = entry.env ?? {};
    if (!isRecord(fixed) || !Object.entries(fixed).every(([key, v]) => ENV_NAME.test(key) && typeof v === 'string')) throw new McpCommandsConfigError(`${where}.env must map variable names to strings`);
    const secretEnv = entry.secretEnv ?? [];
    if (!Array.isArray(secretEnv) || !secretEnv.every((key) => typeof key === 'string' && ENV_NAME.test(key))) throw new McpCommandsConfigError(`${where}.secretEnv must be an array of variable names`);
    if (entry.cwd !== undefined && typeof entry.cwd !== 'string') throw new McpCommandsConfigError(`${where}.cwd must be a string`);
    commands.set(name, { command: entry.command, args: args as string[], env: fixed as Record<string, string>, secretEnv: secretEnv as string[], ...(entry.cwd ? { cwd: entry.cwd } : {}) });
  }
  return commands;
}

/** The stdio part of a Tool's `spec.mcp.server`. */
export interface McpStdioServerSpec {
  stdio?: string;
  command?: string;
  args?: string[];
  env?: Record<string, unknown>;
}

/**
 * The operator's server a Tool's stdio server names — `stdio: <name>`, or `command` + `args`
 * equal to one configured entry's — or why it may not run: not configured, or an `env` variable
 * the entry does not let Tools set. Names what is wrong, never a value.
 */
export function resolveMcpStdioServer(server: McpStdioServerSpec, commands: McpStdioCommands): { name: string; command: McpStdioCommand } | { refused: string } {
  const configured = commands.size > 0 ? `configured: ${[...commands.keys()].join(', ')}` : 'none is configured';
  let found: [string, McpStdioCommand] | undefined;
  if (server.stdio !== undefined) {
    const command = commands.get(server.stdio);
    if (!command) return { refused: `spec.mcp.server.stdio "${server.stdio}" is not an MCP server the operator allows (KASTRA_MCP_COMMANDS; ${configured})` };
    found = [server.stdio, command];
  } else if (server.command !== undefined) {
    const args = server.args ?? [];
    found = [...commands].find(([, entry]) => entry.command === server.command && entry.args.length === args.length && entry.args.every((arg, i) => arg === args[i]));
    if (!found) return { refused: `spec.mcp.server.command "${server.command}" with these args is not an MCP server the operator allows (KASTRA_MCP_COMMANDS; ${configured}): name one with spec.mcp.server.stdio` };
  } else {
    return { refused: 'spec.mcp.server names no stdio server' };
  }
  const [name, command] = found;
  const extra = Object.keys(server.env ?? {}).filter((key) => !command.secretEnv.includes(key));
  if (extra.length > 0) {
    const allowed = command.secretEnv.length > 0 ? `it allows ${command.secretEnv.join(', ')}` : 'it allows none';
    return { refused: `spec.mcp.server.env sets ${extra.join(', ')}, which MCP server "${name}" does not let Tools set (${allowed})` };
  }
  return { name, command };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
