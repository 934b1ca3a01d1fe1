import { startGateway, type GatewayProcess } from './gateway-process';

const NAMES = ['c1', 'c2', 'c3', 'c4', 'c5'];

/** The real kubectl 1.32 on collections: `get --chunk-size` (limit/continue) and `delete -l`. */
describe('kubectl on collections: chunked lists and deleting by selector', () => {
  let gateway: GatewayProcess;
  const llmsUrl = '/apis/mastra.ai/v1/namespaces/chunks/llms';

  beforeAll(async () => {
    gateway = await startGateway();
    for (const [index, name] of NAMES.entries()) {
      const res = await fetch(`${gateway.httpUrl}${llmsUrl}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gateway.token('admin')}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          apiVersion: 'mastra.ai/v1',
          kind: 'LLM',
          metadata: { name, namespace: 'chunks', labels: { app: index < 3 ? 'x' : 'y' } },
          spec: { provider: 'mock', model: 'm' },
        }),
      });
      expect(res.status).toBe(201);
    }
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('gets every object 2 at a time with --chunk-size=2, as names and as a table', async () => {
    // When kubectl lists in chunks of 2 (-v=6 logs each request)
    const names = await gateway.kubectl(['get', 'llms', '-n', 'chunks', '--chunk-size=2', '-o', 'name', '-v=6']);
    // Then it printed all five, after asking for three pages
    expect(names.code).toBe(0);
    expect(names.stdout.trim().split('\n')).toEqual(NAMES.map((name) => `llm.mastra.ai/${name}`));
    const pages = names.stderr.split('\n').filter((line) => line.includes(`${llmsUrl}?`) && line.includes('limit=2'));
    expect(pages).toHaveLength(3);
    expect(pages.filter((line) => line.includes('continue='))).toHaveLength(2);
    // And the table form (kubectl's default) holds one row per object under one header
    const table = await gateway.kubectl(['get', 'llms', '-n', 'chunks', '--chunk-size=2']);
    expect(table.code).toBe(0);
    const [header, ...rows] = table.stdout.trim().split('\n');
    expect(header).toMatch(/^NAME\s/);
    expect(rows.map((row) => row.split(/\s+/)[0])).toEqual(NAMES);
  });

  it('deletes by label selector with `delete -l`, and the collection with `delete --raw` (deletecollection)', async () => {
    // When kubectl deletes app=x
    const deleted = await gateway.kubectl(['delete', 'llms', '-n', 'chunks', '-l', 'app=x']);
    // Then c1..c3 are gone and the others stay
    expect(deleted.code).toBe(0);
    for (const name of ['c1', 'c2', 'c3']) expect(deleted.stdout).toContain(`llm.mastra.ai "${name}" deleted`);
    const left = await gateway.kubectl(['get', 'llms', '-n', 'chunks', '-o', 'name']);
    expect(left.stdout.trim().split('\n')).toEqual(['llm.mastra.ai/c4', 'llm.mastra.ai/c5']);
    // When the collection's DELETE is sent as it is
    const raw = await gateway.kubectl(['delete', '--raw', `${llmsUrl}?labelSelector=app%3Dy`]);
    expect(raw.code).toBe(0);
    expect(JSON.parse(raw.stdout)).toMatchObject({ kind: 'LLMList', items: [{ metadata: { name: 'c4' } }, { metadata: { name: 'c5' } }] });
    const none = await gateway.kubectl(['get', 'llms', '-n', 'chunks', '-o', 'name']);
    expect(none).toMatchObject({ code: 0, stdout: '' });
  });
});
