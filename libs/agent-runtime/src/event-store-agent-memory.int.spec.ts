import type { Pool } from 'pg';
import { EventStore, migrate } from '@kastra/event-store';
import { createTestDatabase, type TestDatabase } from '@kastra/testing';
import { MESSAGES_APPENDED } from './agent-memory';
import { EventStoreAgentMemory } from './event-store-agent-memory';
import { runAgent } from './run-agent';
import { completion, resource, ScriptedLlmClient, staticToolResolver } from './testing-fakes';

describe('EventStoreAgentMemory (Postgres)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let events: EventStore;

  beforeAll(async () => {
    db = await createTestDatabase('agentmemory');
    pool = db.pool({ max: 4 });
    await migrate(pool);
    events = new EventStore(pool);
  });
  afterAll(async () => {
    await db.drop();
  });

  it('keeps a thread as MessagesAppended events and brings it back on the next call', async () => {
    // Given an agent with memory, and two calls on thread t1
    const agent = resource('Agent', 'chef', { instructions: 'Cook.', model: { ref: 'default.mock' }, memory: { enabled: true, lastMessages: 10 } }, 'kitchen');
    const memory = new EventStoreAgentMemory(events);
    const llm = new ScriptedLlmClient([completion({ text: 'Noted: eggs.' }), completion({ text: 'You have eggs.' })]);
    const deps = { llm, tools: staticToolResolver([]), memory, user: 'ann' };
    await runAgent(agent, { prompt: 'I have eggs', threadId: 't1' }, deps);
    // When the second call comes
    const second = await runAgent(agent, { prompt: 'What do I have?', threadId: 't1' }, deps);
    // Then the model saw the first exchange, and the stream holds both exchanges as events
    expect(second.text).toBe('You have eggs.');
    expect(llm.requests[1].messages.map((m) => m.content)).toEqual(['Cook.', 'I have eggs', 'Noted: eggs.', 'What do I have?']);
    const stream = await events.readStream('memory:kitchen:chef:t1');
    expect(stream.map((e) => e.type)).toEqual([MESSAGES_APPENDED, MESSAGES_APPENDED]);
    expect(stream[1].data).toEqual({ messages: [{ role: 'user', content: 'What do I have?' }, { role: 'assistant', content: 'You have eggs.' }] });
  });

  it('reads only the last N messages and nothing for an unknown thread', async () => {
    const memory = new EventStoreAgentMemory(events);
    const thread = { namespace: 'default', agent: 'a', threadId: 'window' };
    await memory.append(thread, [{ role: 'user', content: '1' }, { role: 'assistant', content: '2' }]);
    await memory.append(thread, [{ role: 'user', content: '3' }, { role: 'assistant', content: '4' }]);
    await memory.append(thread, []);
    expect((await memory.read(thread, 3)).map((m) => m.content)).toEqual(['2', '3', '4']);
    expect(await memory.read({ ...thread, threadId: 'other' }, 10)).toEqual([]);
    expect(await events.readStream('memory:default:a:window')).toHaveLength(2);
  });
});
