import type { ChatMessage, ChatRequest, ResponseFormat } from '../chat-types';
import { collectChunks } from '../testing';
import { MockAdapter } from './mock-adapter';

const adapter = new MockAdapter();
const call = (options?: Record<string, unknown>) => ({ signal: new AbortController().signal, options });

const routeSchema = (members: string[]) => ({
  type: 'object',
  additionalProperties: false,
  required: ['next', 'input', 'reason', 'answer'],
  properties: {
    next: { type: 'string', enum: [...members, 'done'] },
    input: { type: 'string' },
    reason: { type: 'string' },
    answer: { type: 'string' },
  },
});
const routeFormat = (members: string[]): ResponseFormat => ({ type: 'json_schema', json_schema: { name: 'route', strict: true, schema: routeSchema(members) } });
const MEMBERS = ['search', 'analysis', 'summary'];
const TASK = 'Research the history of tea';

/** Asks the mock router and parses its decision. */
async function decide(messages: ChatMessage[], format: ResponseFormat | null = routeFormat(MEMBERS)) {
  const request: ChatRequest = { model: 'mock-router', messages, ...(format ? { response_format: format } : {}) };
  const { completion } = await adapter.chat(request, call());
  return JSON.parse(completion.choices[0].message.content as string) as { next: string; input: string; reason: string; answer: string };
}

/** A conversation as a router loop builds it: each decision, then the member's result. */
function conversation(turns: Array<{ decision: Record<string, unknown>; result: string }>, task = TASK): ChatMessage[] {
  return [
    { role: 'system', content: 'You route between members.' },
    { role: 'user', content: task },
    ...turns.flatMap((turn): ChatMessage[] => [
      { role: 'assistant', content: JSON.stringify(turn.decision) },
      { role: 'user', content: turn.result },
    ]),
  ];
}
const routed = (next: string) => ({ next, input: `do ${next}`, reason: 'r', answer: '' });

describe('mock provider: router mode', () => {
  it('routes to the first member first, with an instruction built from the task', async () => {
    // Given a routing request with no decision yet
    // When the mock is asked
    const decision = await decide(conversation([]));
    // Then it picks the first member of the enum, naming the task
    expect(decision).toEqual({ next: 'search', input: `As search, work on this task: ${TASK}`, reason: 'next member in order', answer: '' });
  });

  it('routes to each member once in order, then says done with the last member result', async () => {
    // Given the decisions already made in the conversation
    // When the mock is asked after each member's result
    const second = await decide(conversation([{ decision: routed('search'), result: 'found 3 sources' }]));
    const third = await decide(conversation([{ decision: routed('search'), result: 'found 3 sources' }, { decision: routed('analysis'), result: 'tea began in China' }]));
    const last = await decide(
      conversation([
        { decision: routed('search'), result: 'found 3 sources' },
        { decision: routed('analysis'), result: 'tea began in China' },
        { decision: routed('summary'), result: 'Tea: from China to the world.' },
      ]),
    );
    // Then the members come in order, and done carries the summary member's result
    expect(second.next).toBe('analysis');
    expect(third.next).toBe('summary');
    expect(last).toEqual({ next: 'done', input: '', reason: 'every member has answered', answer: 'Tea: from China to the world.' });
  });

  it('skips members already routed to, whatever order they ran in', async () => {
    // Given a router that (by another model) went to summary first
    const decision = await decide(conversation([{ decision: routed('summary'), result: 'early summary' }]));
    // Then the first member not yet chosen is next
    expect(decision.next).toBe('search');
  });

  it('starts a new round after a done decision (a later run of the same thread)', async () => {
    // Given a thread whose first run ended with done, then a new task
    const first = conversation([{ decision: routed('search'), result: 'a' }, { decision: routed('analysis'), result: 'b' }, { decision: routed('summary'), result: 'c' }]);
    const messages: ChatMessage[] = [...first, { role: 'assistant', content: JSON.stringify({ next: 'done', input: '', reason: 'x', answer: 'c' }) }, { role: 'user', content: 'Now coffee' }];
    // When the mock is asked
    const decision = await decide(messages);
    // Then the round restarts on the new task
    expect(decision).toMatchObject({ next: 'search', input: 'As search, work on this task: Now coffee' });
  });

  it('says done with a summary line when no member result is in the conversation', async () => {
    // Given decisions with results the engine did not replay
    const messages: ChatMessage[] = [{ role: 'user', content: TASK }, ...MEMBERS.map((m): ChatMessage => ({ role: 'assistant', content: JSON.stringify(routed(m)) }))];
    // Then the answer names the members
    expect(await decide(messages)).toEqual({ next: 'done', input: '', reason: 'every member has answered', answer: 'every member answered: search, analysis, summary' });
  });

  it('reads members from anyOf const branches too', async () => {
    const schema = { type: 'object', properties: { next: { anyOf: [{ const: 'alpha' }, { const: 'beta' }, { const: 'done' }] } } };
    const decision = await decide(conversation([{ decision: routed('alpha'), result: 'a' }]), { type: 'json_schema', json_schema: { name: 'route', schema } });
    expect(decision.next).toBe('beta');
  });

  it('answers the route schema given in the system prompt when there is no response_format', async () => {
    // Given a provider without structured output: the schema is pasted into the system prompt
    const system = `Answer only with JSON matching this schema:\n${JSON.stringify(routeSchema(['writer', 'editor']), null, 2)}`;
    const messages: ChatMessage[] = [
      { role: 'system', content: system },
      { role: 'user', content: 'Write a haiku' },
      { role: 'assistant', content: JSON.stringify(routed('writer')) },
      { role: 'user', content: 'old pond' },
    ];
    // When the mock is asked without response_format
    const decision = await decide(messages, null);
    // Then it routes as in structured mode
    expect(decision).toMatchObject({ next: 'editor', input: 'As editor, work on this task: Write a haiku' });
  });

  it('keeps its ordinary behaviour for other requests', async () => {
    // Given a json_schema request not named route, and a plain request
    const other = await adapter.chat({ model: 'm', messages: [{ role: 'user', content: 'hi' }], response_format: { type: 'json_schema', json_schema: { name: 'output', schema: routeSchema(MEMBERS) } } }, call());
    const plain = await adapter.chat({ model: 'm', messages: [{ role: 'system', content: 'the next step is yours' }, { role: 'user', content: 'hi' }] }, call());
    // Then both echo
    expect(other.completion.choices[0].message.content).toBe('[mock:m] hi');
    expect(plain.completion.choices[0].message.content).toBe('[mock:m] hi');
  });

  it('lets scripted responses win over router mode, and streams the same decision', async () => {
    const scripted = await adapter.chat({ model: 'm', messages: conversation([]), response_format: routeFormat(MEMBERS) }, call({ responses: ['{"next":"summary","input":"","reason":"","answer":""}'] }));
    expect(JSON.parse(scripted.completion.choices[0].message.content as string).next).toBe('summary');
    const chunks = await collectChunks(adapter.chatStream({ model: 'm', messages: conversation([]), response_format: routeFormat(MEMBERS) }, call()));
    expect(JSON.parse(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).next).toBe('search');
  });
});
