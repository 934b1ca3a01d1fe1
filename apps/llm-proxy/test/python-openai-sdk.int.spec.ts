import { execFile, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { createTestDatabase, deleteTestStreams, testNatsPrefix, type TestDatabase } from '@kastra/testing';
import { startMockOpenAIServer, type MockOpenAIServer } from '@kastra/llm/testing';
import { StaticModelResolver } from './static-model-resolver';
import { startTestProxy, testHome, type TestProxy } from './test-proxy';

const KEY = 'sk-test-python-sdk-key-ppppppppppppppppp';
const SCRIPT = path.join(__dirname, 'python', 'openai_sdk_client.py');

/** Whether python3 with the openai package is here (`pip install openai`); the test says so when it is not. */
function pythonOpenAi(): { ok: true } | { ok: false; why: string } {
  const probe = spawnSync('python3', ['-c', 'import openai'], { encoding: 'utf8' });
  if (probe.error) return { ok: false, why: `python3 is not installed (${probe.error.message})` };
  if (probe.status !== 0) return { ok: false, why: 'the Python openai package is not installed: pip install openai' };
  return { ok: true };
}

const python = pythonOpenAi();
if (!python.ok) console.warn(`SKIPPED: the Python openai SDK test — ${python.why}`);
const pythonIt = python.ok ? it : it.skip;

describe("llm-proxy with Python's official openai SDK", () => {
  let database: TestDatabase;
  let upstream: MockOpenAIServer;
  let proxy: TestProxy;
  const prefix = testNatsPrefix('llmpy');
  const home = testHome();

  beforeAll(async () => {
    if (!python.ok) return;
    database = await createTestDatabase('llmpy');
    upstream = await startMockOpenAIServer();
    const resolver = new StaticModelResolver([{ name: 'py-model', provider: 'openai', modelId: 'gpt-4o-mini', baseUrl: upstream.baseUrl, keys: [{ keyId: 'key-py', apiKey: KEY }] }]);
    proxy = await startTestProxy({ databaseUrl: database.url, prefix, home: home.home, resolver });
  });

  afterAll(async () => {
    await proxy?.close();
    await upstream?.close();
    await database?.drop();
    await deleteTestStreams(prefix);
    home.remove();
  });

  pythonIt('chats, creates and streams responses with a function tool round trip, retrieves models, and raises APIError on unknown routes', async () => {
    // When a Python program uses the SDK against the proxy, as its users do
    const { stdout } = await promisify(execFile)('python3', [SCRIPT], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, OPENAI_BASE_URL: `${proxy.url}/v1`, OPENAI_API_KEY: home.token('user'), KASTRA_TEST_MODEL: 'py-model' },
      timeout: 60_000,
    });
    const seen = JSON.parse(stdout);
    // Then every call parsed as the SDK expects
    expect(seen.chat_text).toBe('Mock answer from gpt-4o-mini: hello from python');
    expect(seen.responses_text).toBe('Mock answer from gpt-4o-mini: python responses');
    expect(seen.responses_usage).toBeGreaterThan(0);
    expect(seen.stream_events).toEqual(expect.arrayContaining(['response.created', 'response.output_item.added', 'response.function_call_arguments.delta', 'response.function_call_arguments.done', 'response.output_item.done', 'response.completed']));
    expect(seen.tool_call).toEqual({ name: 'get_weather', arguments: { city: 'Tromso' } });
    expect(seen.stream_text).toBe('Mock answer from gpt-4o-mini: Tromso');
    expect(seen.stream_final_text).toBe(seen.stream_text);
    expect(seen.model_id).toBe('py-model');
    expect(seen.missing_model).toEqual({ status: 404, code: 'model_not_found', type: 'invalid_request_error' });
    expect(seen.unknown_route).toMatchObject({ class: 'NotFoundError', status: 404, type: 'invalid_request_error' });
    expect(seen.unknown_route.message).toContain('POST /v1/assistants');
    // And the provider key never reached the program
    expect(stdout).not.toContain(KEY);
  });
});
