import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from '@kastra/testing';
import { startGateway, type GatewayProcess } from './gateway-process';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const API_KEY = 'sk-e2e-value-that-must-stay-sealed';

const STRING_DATA_SECRET = `apiVersion: mastra.ai/v1
kind: Secret
metadata:
  name: provider-key
type: Opaque
stringData:
  api-key: ${API_KEY}
`;

const DATA_SECRET = `apiVersion: mastra.ai/v1
kind: Secret
metadata:
  name: two-keys
data:
  first: ${Buffer.from('one').toString('base64')}
  second: ${Buffer.from('two').toString('base64')}
`;

describe('kubectl apply of Secrets (client-side three-way merge)', () => {
  let gateway: GatewayProcess;
  const file = (name: string, text: string) => {
    const written = path.join(gateway.home, name);
    fs.writeFileSync(written, text);
    return written;
  };
  const getJson = async (args: string[]) => JSON.parse((await gateway.kubectl([...args, '-o', 'json'])).stdout);

  beforeAll(async () => {
    gateway = await startGateway();
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('applies an unchanged stringData Secret twice: the second apply succeeds and writes nothing', async () => {
    // Given a Secret with stringData applied once
    const manifest = file('provider-key.yaml', STRING_DATA_SECRET);
    const first = await gateway.kubectl(['apply', '-f', manifest]);
    const created = await getJson(['get', 'secret', 'provider-key']);
    // When the same file is applied again
    const second = await gateway.kubectl(['apply', '-f', manifest]);
    // Then both succeed, and the object did not move on
    expect(first).toMatchObject({ code: 0, stdout: expect.stringContaining('secret.mastra.ai/provider-key created') });
    expect(second).toMatchObject({ code: 0, stderr: '' });
    const after = await getJson(['get', 'secret', 'provider-key']);
    expect(after.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    expect(after.metadata.generation).toBe(1);
    // And the last-applied annotation keeps the key but no value, not even a redacted one
    const annotation = after.metadata.annotations[LAST_APPLIED];
    expect(JSON.parse(annotation)).toMatchObject({ stringData: { 'api-key': null } });
    expect(annotation).not.toContain(API_KEY);
    expect(annotation).not.toContain('<redacted>');
    expect(JSON.stringify(after)).not.toContain(API_KEY);
  });

  it('labels a Secret and removes a data key dropped from the file', async () => {
    // Given a Secret of two keys applied from a file
    const manifest = file('two-keys.yaml', DATA_SECRET);
    expect((await gateway.kubectl(['apply', '-f', manifest])).code).toBe(0);
    // When it is labelled, and the file is applied again without its second key
    const labelled = await gateway.kubectl(['label', 'secret', 'two-keys', 'team=search']);
    fs.writeFileSync(manifest, DATA_SECRET.replace(/ {2}second: .*\n/, ''));
    const reapplied = await gateway.kubectl(['apply', '-f', manifest]);
    // Then both succeed: the label is there and only the first key is left
    expect(labelled).toMatchObject({ code: 0, stdout: expect.stringContaining('labeled') });
    expect(reapplied).toMatchObject({ code: 0, stdout: expect.stringContaining('configured') });
    const secret = await getJson(['get', 'secret', 'two-keys']);
    expect(secret.metadata.labels).toEqual({ team: 'search' });
    expect(secret.data).toEqual({ first: '<redacted>' });
  });

  it('dry-runs the examples folder on the server, before and after it is applied', async () => {
    // Given the examples folder's manifests (its YAML files: a migrated project's package.json is not
    // one), one of which holds a stringData Secret, and the CRDs they define already Established
    // (as on any cluster, objects of a kind can only be dry-run once the kind is served)
    const manifests = yamlFilesUnder(path.join(REPO, 'examples')).flatMap((file) => ['-f', file]);
    const crds = yamlFilesUnder(path.join(REPO, 'examples')).filter((file) => /kind: CustomResourceDefinition/.test(fs.readFileSync(file, 'utf8')));
    for (const crd of crds) expect(await gateway.kubectl(['apply', '-f', crd])).toMatchObject({ code: 0 });
    if (crds.length > 0) expect(await gateway.kubectl(['wait', '--for=condition=Established', '--timeout=10s', 'crd', '--all'])).toMatchObject({ code: 0 });
    // When it is dry-run, applied, and dry-run again
    const dryBefore = await gateway.kubectl(['apply', '--dry-run=server', ...manifests]);
    const applied = await gateway.kubectl(['apply', ...manifests]);
    const dryAfter = await gateway.kubectl(['apply', '--dry-run=server', ...manifests]);
    // Then every step succeeds, the Secret included
    expect(dryBefore).toMatchObject({ code: 0, stderr: '' });
    expect(applied).toMatchObject({ code: 0, stderr: '' });
    expect(dryAfter).toMatchObject({ code: 0, stderr: '' });
    expect(dryAfter.stdout).toMatch(/secret\.mastra\.ai\/openai-credentials (configured|unchanged) \(server dry run\)/);
  });
});

function yamlFilesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return yamlFilesUnder(full);
    return /\.ya?ml$/.test(entry.name) ? [full] : [];
  });
}
