import { NetworkStateError, type NetworkState } from '@kastra/network-state';
import type { ToolContext } from '../tool-context';
import { ToolExecutionError } from '../tool-errors';

export const NETWORK_STATE_GET = 'network-state-get';
export const NETWORK_STATE_SET = 'network-state-set';

/** What the model is told of each tool. */
export const NETWORK_STATE_TOOL_SPECS: Record<typeof NETWORK_STATE_GET | typeof NETWORK_STATE_SET, { description: string; inputSchema: Record<string, unknown> }> = {
  [NETWORK_STATE_GET]: {
    description:
      "Reads the network's shared state: what the members of this network stored in this conversation. Give a key to read one value, or no key to read every key.",
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { key: { type: 'string', description: 'The key to read; leave it out to read every key.' } },
    },
  },
  [NETWORK_STATE_SET]: {
    description:
      "Writes the network's shared state, which the other members and the router see: {key, value} for one key or {values: {key: value, ...}} for several. A null value deletes its key. Keys expire some time after their last write.",
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        key: { type: 'string', description: 'The key to write (with value).' },
        value: { description: 'Any JSON value to store under key; null deletes the key.' },
        values: { type: 'object', additionalProperties: true, description: 'Several keys at once (instead of key and value): {key: value}; a null value deletes its key.' },
      },
    },
  },
};

/** `{key?}` → `{key, value, found}` for one key (value null when absent), `{values}` for all. */
export async function networkStateGet(label: string, args: Record<string, unknown>, ctx: ToolContext): Promise<unknown> {
  const state = stateOf(label, ctx);
  if (args.key === undefined) return { values: await guarded(label, () => state.getAll()) };
  if (typeof args.key !== 'string') throw new ToolExecutionError(label, 'bad_input', `tool ${label}: key must be a string`);
  const key = args.key;
  const value = await guarded(label, () => state.get(key));
  return { key, value: value ?? null, found: value !== undefined };
}

/** `{key, value}` or `{values}` → `{written, deleted}`: the keys set and the keys deleted (null values). */
export async function networkStateSet(label: string, args: Record<string, unknown>, ctx: ToolContext): Promise<unknown> {
  const state = stateOf(label, ctx);
  const values = valuesOf(label, args);
  await guarded(label, () => state.update(values));
  const keys = Object.keys(values);
  return { written: keys.filter((key) => values[key] !== null), deleted: keys.filter((key) => values[key] === null) };
}

function valuesOf(label: string, args: Record<string, unknown>): Record<string, unknown> {
  const single = args.key !== undefined || 'value' in args;
  if (single && args.values !== undefined) throw new ToolExecutionError(label, 'bad_input', `tool ${label}: give {key, value} or {values}, not both`);
  if (args.values !== undefined) {
    if (!args.values || typeof args.values !== 'object' || Array.isArray(args.values)) {
      throw new ToolExecutionError(label, 'bad_input', `tool ${label}: values must be an object of keys to values`);
    }
    return args.values as Record<string, unknown>;
  }
  if (typeof args.key !== 'string') throw new ToolExecutionError(label, 'bad_input', `tool ${label}: give {key, value} or {values}`);
  if (!('value' in args)) throw new ToolExecutionError(label, 'bad_input', `tool ${label}: value is required with key (null deletes the key)`);
  return { [args.key]: args.value };
}

function stateOf(label: string, ctx: ToolContext): NetworkState {
  const state = ctx.network?.state;
  if (!state) throw new ToolExecutionError(label, 'not_in_network', `tool ${label}: network state exists only for agents running as members of a network`);
  return state;
}

/** A refused write is the model's to fix (bad_input); a lost race may pass on another try. */
async function guarded<T>(label: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof NetworkStateError)) throw error;
    if (error.reason === 'conflict') throw new ToolExecutionError(label, 'state_conflict', `tool ${label}: ${error.message}`, true);
    throw new ToolExecutionError(label, 'bad_input', `tool ${label}: ${error.message}`);
  }
}
