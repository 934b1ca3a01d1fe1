import { MemoryNetworkState, MemoryStateData, type NetworkState } from '@kastra/network-state';
import { executeTool } from './execute-tool';
import { networkAgentDeps, networkStateTools } from './network-state-tools';
import { runAgent } from './run-agent';
import { completion, resource, ScriptedLlmClient, staticToolResolver } from './testing-fakes';

const memoryState = (): NetworkState => new MemoryNetworkState(new MemoryStateData(), 60, Date.now, 1000);
const secrets = async () => undefined;
const [getTool, setTool] = networkStateTools('research').map((entry) => entry.tool);

describe('network-state builtin tools', () => {
  it('set writes one key or several, get reads one key or all', async () => {
    // Given a member's context in a network
    const ctx = { secrets, network: { state: memoryState() } };
    // When the tools write
    await expect(executeTool(setTool, { key: 'topic', value: 'tea' }, ctx)).resolves.toEqual({ written: ['topic'], deleted: [] });
    await expect(executeTool(setTool, { values: { sources: ['a'], topic: null } }, ctx)).resolves.toEqual({ written: ['sources'], deleted: ['topic'] });
    // Then reads see the state
    await expect(executeTool(getTool, { key: 'sources' }, ctx)).resolves.toEqual({ key: 'sources', value: ['a'], found: true });
    await expect(executeTool(getTool, { key: 'topic' }, ctx)).resolves.toEqual({ key: 'topic', value: null, found: false });
    await expect(executeTool(getTool, {}, ctx)).resolves.toEqual({ values: { sources: ['a'] } });
  });

  it('fails not_in_network outside a network', async () => {
    await expect(executeTool(getTool, {}, { secrets })).rejects.toMatchObject({ name: 'ToolExecutionError', reason: 'not_in_network' });
    await expect(executeTool(setTool, { key: 'k', value: 1 }, { secrets })).rejects.toMatchObject({ reason: 'not_in_network' });
  });

  it('refuses malformed input and oversized values with a message the model can act on', async () => {
    const ctx = { secrets, network: { state: memoryState() } };
    await expect(executeTool(setTool, { key: 'k' }, ctx)).rejects.toMatchObject({ reason: 'bad_input', message: expect.stringContaining('value is required') });
    await expect(executeTool(setTool, { key: 'k', value: 1, values: { j: 2 } }, ctx)).rejects.toMatchObject({ reason: 'bad_input' });
    await expect(executeTool(setTool, { keys: 'k' }, ctx)).rejects.toMatchObject({ name: 'ToolInputError' });
    await expect(executeTool(setTool, { key: 'big', value: 'x'.repeat(300 * 1024) }, ctx)).rejects.toMatchObject({ reason: 'bad_input', message: expect.stringContaining('at most 256.0 KiB') });
  });
});

describe('runAgent inside a network', () => {
  const member = (name: string, tools: unknown[] = []) => resource('Agent', name, { instructions: `You are ${name}.`, model: { ref: 'mock' }, tools }, 'research');

  it('gives a member the state tools with their schemas, so one member writes what the next reads', async () => {
    // Given one state shared by two members of a run
    const state = memoryState();
    // When the first member's model calls network-state-set, and the second's network-state-get
    const writer = new ScriptedLlmClient([completion({ toolCalls: [{ id: 's', name: 'network-state-set', args: { key: 'findings', value: ['tea is old'] } }] }), completion({ text: 'stored' })]);
    await runAgent(member('search'), { prompt: 'search' }, { llm: writer, tools: staticToolResolver([]), user: 'u', ...networkAgentDeps(state, 'research') });
    const reader = new ScriptedLlmClient([completion({ toolCalls: [{ id: 'g', name: 'network-state-get', args: { key: 'findings' } }] }), completion({ text: 'read' })]);
    const result = await runAgent(member('analysis'), { prompt: 'analyse' }, { llm: reader, tools: staticToolResolver([]), user: 'u', ...networkAgentDeps(state, 'research') });
    // Then the model was told of both tools with their input schemas
    expect(writer.requests[0].tools?.map((t) => t.function.name)).toEqual(['network-state-get', 'network-state-set']);
    expect(writer.requests[0].tools?.[1].function.parameters).toMatchObject({ properties: { key: { type: 'string' }, values: { type: 'object' } } });
    // And the second member read what the first wrote
    expect(result.toolCalls[0].output).toEqual({ key: 'findings', value: ['tea is old'], found: true });
    expect(await state.get('findings')).toEqual(['tea is old']);
  });

  it('keeps an own tool of the same name and gives no state tools outside a network', async () => {
    // Given an agent declaring its own tool named network-state-get
    const own = resource('Tool', 'mine', { description: 'mine', script: { code: 'return "own"' } }, 'research');
    const llm = new ScriptedLlmClient([completion({ toolCalls: [{ id: 'g', name: 'network-state-get', args: {} }] }), completion({ text: 'ok' })]);
    const inNetwork = await runAgent(member('m', [{ name: 'network-state-get', refName: 'mine' }]), { prompt: 'x' }, {
      llm,
      tools: staticToolResolver([{ name: 'network-state-get', tool: own }]),
      user: 'u',
      ...networkAgentDeps(memoryState(), 'research'),
    });
    // Then its own tool ran, declared once, beside network-state-set
    expect(llm.requests[0].tools?.map((t) => t.function.name)).toEqual(['network-state-get', 'network-state-set']);
    expect(inNetwork.toolCalls[0].output).toBe('own');
    // And an agent called outside a network is told of no state tool
    const alone = new ScriptedLlmClient([completion({ text: 'hi' })]);
    await runAgent(member('solo'), { prompt: 'x' }, { llm: alone, tools: staticToolResolver([]), user: 'u' });
    expect(alone.requests[0].tools).toBeUndefined();
  });
});
