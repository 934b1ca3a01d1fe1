import type { ChatRequest } from '@kastra/agent-runtime';
import { decideRoute, RouteDecisionError } from './route-turn';
import { parseRouteDecision } from './route-decision';
import { routerMessages, type RouterPromptInput } from './router-prompt';

const input = (structuredOutput: 'json_schema' | 'prompt' = 'json_schema'): RouterPromptInput => ({
  network: 'default.research',
  instructions: 'Research, then write.',
  members: [
    { name: 'search', kind: 'agent', description: 'finds sources' },
    { name: 'summary', kind: 'workflow', description: 'writes the summary' },
  ],
  task: 'What is Kastra?',
  history: [{ message: 'earlier task', answer: 'earlier answer' }],
  turns: [{ decision: { next: 'search', input: 'find', reason: 'first', answer: '' }, output: 'three sources' }],
  state: { sources: ['a', 'b'] },
  structuredOutput,
});
const decision = (next: string, answer = '') => JSON.stringify({ next, input: `do ${next}`, reason: 'because', answer });

/** A router that answers the scripted texts in turn, recording the requests. */
function scripted(...answers: string[]) {
  const requests: Array<{ request: ChatRequest; attempt: number }> = [];
  const call = async (request: ChatRequest, attempt: number) => {
    requests.push({ request, attempt });
    const answer = answers.shift();
    if (answer === undefined) throw new Error('no more scripted answers');
    return answer;
  };
  return { call, requests };
}

describe('the router prompt', () => {
  it('asks with the route json_schema whose next enum is the members and done, strict', async () => {
    const { call, requests } = scripted(decision('summary'));
    await decideRoute(call, 'default.router', input());
    const format = requests[0].request.response_format as { type: string; json_schema: { name: string; strict: boolean; schema: { properties: { next: { enum: string[] } } } } };
    expect(format).toMatchObject({ type: 'json_schema', json_schema: { name: 'route', strict: true } });
    expect(format.json_schema.schema.properties.next.enum).toEqual(['search', 'summary', 'done']);
  });

  it('tells the router the instructions, members with descriptions, state; replays the thread, the task, decisions and results', () => {
    const messages = routerMessages(input());
    const system = String(messages[0].content);
    expect(system).toContain('Research, then write.');
    expect(system).toContain('- search (agent): finds sources');
    expect(system).toContain('- summary (workflow): writes the summary');
    expect(system).toContain('"sources"');
    expect(messages.slice(1).map((m) => [m.role, m.content])).toEqual([
      ['user', 'earlier task'],
      ['assistant', JSON.stringify({ next: 'done', input: '', reason: 'an earlier task of this conversation', answer: 'earlier answer' })],
      ['user', 'What is Kastra?'],
      ['assistant', JSON.stringify({ next: 'search', input: 'find', reason: 'first', answer: '' })],
      ['user', 'three sources'],
    ]);
  });

  it('puts the schema in the system prompt (and no response_format) for a prompt-only provider', async () => {
    const { call, requests } = scripted(decision('done', 'final'));
    await decideRoute(call, 'default.router', input('prompt'));
    expect(requests[0].request.response_format).toBeUndefined();
    expect(String(requests[0].request.messages[0].content)).toMatch(/"next":\{"type":"string","enum":\["search","summary","done"\]/);
  });
});

describe('a routing step', () => {
  it('answers the decision of a parsable answer in one call', async () => {
    const { call } = scripted(decision('search'));
    await expect(decideRoute(call, 'm', input())).resolves.toEqual({ decision: { next: 'search', input: 'do search', reason: 'because', answer: '' }, calls: 1 });
  });

  it('repairs an unparsable answer once (the bad answer and the fault go back), then fails UnparsableDecision', async () => {
    const repaired = scripted('Sure! I pick search.', '```json\n' + decision('search') + '\n```');
    await expect(decideRoute(repaired.call, 'm', input('prompt'))).resolves.toMatchObject({ decision: { next: 'search' }, calls: 2 });
    const second = repaired.requests[1].request.messages;
    expect(second.at(-2)).toEqual({ role: 'assistant', content: 'Sure! I pick search.' });
    expect(String(second.at(-1)?.content)).toMatch(/could not be used: the answer is not a JSON object/);
    expect(repaired.requests.map((r) => r.attempt)).toEqual([1, 2]);

    const broken = scripted('no', '{"next": 3}');
    const error = await decideRoute(broken.call, 'm', input()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RouteDecisionError);
    expect(error).toMatchObject({ reason: 'UnparsableDecision' });
  });

  it('corrects an unknown member once, then fails UnknownMember naming it', async () => {
    const corrected = scripted(decision('writer'), decision('summary'));
    await expect(decideRoute(corrected.call, 'm', input())).resolves.toMatchObject({ decision: { next: 'summary' }, calls: 2 });
    expect(String(corrected.requests[1].request.messages.at(-1)?.content)).toMatch(/no member named "writer".*"search", "summary", "done"/);

    const stubborn = scripted(decision('writer'), decision('editor'));
    const error = (await decideRoute(stubborn.call, 'm', input()).catch((e: unknown) => e)) as RouteDecisionError;
    expect(error).toMatchObject({ reason: 'UnknownMember', member: 'editor' });
    expect(error.message).toContain('"editor"');
  });

  it('parses defaults and refuses non-string fields', () => {
    expect(parseRouteDecision('{"next":"done","answer":"42"}', ['a'])).toEqual({ decision: { next: 'done', input: '', reason: '', answer: '42' } });
    expect(parseRouteDecision('{"next":"a","input":{"x":1}}', ['a'])).toMatchObject({ problem: { kind: 'unparsable' } });
    expect(parseRouteDecision('[1]', ['a'])).toMatchObject({ problem: { kind: 'unparsable' } });
  });
});
