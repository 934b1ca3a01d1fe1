import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startGateway, type GatewayProcess } from './gateway-process';

/** The real kubectl 1.32 on /openapi/v2 and on client-side validation (over HTTPS, as it is configured). */
describe('kubectl and /openapi/v2', () => {
  let gateway: GatewayProcess;
  let dir: string;

  beforeAll(async () => {
    gateway = await startGateway();
    dir = mkdtempSync(path.join(tmpdir(), 'kastra-openapi-v2-'));
  });

  afterAll(async () => {
    await gateway?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('`get --raw /openapi/v2` answers the Swagger 2.0 document of the kinds', async () => {
    const raw = await gateway.kubectl(['get', '--raw', '/openapi/v2']);
    expect(raw.code).toBe(0);
    const document = JSON.parse(raw.stdout);
    expect(document.swagger).toBe('2.0');
    expect(document.definitions['ai.mastra.v1.LLM']).toBeDefined();
    expect(document.paths['/apis/mastra.ai/v1/namespaces/{namespace}/llms']).toBeDefined();
  });

  it('kubectl asking v2 in protobuf only (`explain --output=plaintext-openapiv2`) gets a clean 406 NotAcceptable, not JSON it cannot parse', async () => {
    const explained = await gateway.kubectl(['explain', 'llms', '--output=plaintext-openapiv2']);
    expect(explained.code).not.toBe(0);
    expect(explained.stderr).toContain('NotAcceptable');
  });

  it('`apply --validate=true` of an example manifest works, and refuses an unknown field', async () => {
    const manifest = path.join(__dirname, '../../../examples/mock-llms.yaml');
    const applied = await gateway.kubectl(['apply', '--validate=true', '-f', manifest, '-v=6']);
    // kubectl 1.32 validates against /openapi/v3 (it falls back to v2, in protobuf only, when v3 is missing)
    const fetched = applied.stderr.split('\n').filter((line) => line.includes(' GET ') && line.includes('/openapi/'));
    expect(fetched.some((line) => line.includes('/openapi/v3/apis/mastra.ai/v1') && line.includes('200 OK'))).toBe(true);
    expect(fetched.some((line) => line.includes('/openapi/v2'))).toBe(false);
    expect(applied.stderr).not.toMatch(/error/i);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('llm.mastra.ai/mock-llm created');
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'apiVersion: mastra.ai/v1\nkind: LLM\nmetadata:\n  name: bad\n  namespace: default\nspec:\n  provider: mock\n  model: m\n  nonsense: 1\n');
    const refused = await gateway.kubectl(['apply', '--validate=true', '-f', bad]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('nonsense');
  });
});
