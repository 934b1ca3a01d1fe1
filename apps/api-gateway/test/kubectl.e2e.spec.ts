import * as fs from 'node:fs';
import * as path from 'node:path';
import { startGateway, type GatewayProcess } from './gateway-process';

const LLM = `apiVersion: mastra.ai/v1
kind: LLM
metadata:
  name: mock-llm
  namespace: default
spec:
  provider: mock
  model: mock-model
`;

const AGENT = `apiVersion: mastra.ai/v1
kind: Agent
metadata:
  name: chef
  namespace: cooking
  labels:
    app: kitchen-helper
spec:
  instructions: You help in the kitchen.
  model:
    ref: default.mock-llm
`;

const OTHER_AGENT = `apiVersion: mastra.ai/v1
kind: Agent
metadata:
  name: sommelier
  namespace: cooking
  labels:
    app: wine
spec:
  instructions: You pair wines.
  model:
    ref: default.mock-llm
`;

describe('api-gateway driven by kubectl and plain HTTP', () => {
  let gateway: GatewayProcess;
  let manifests: string;

  const api = (pathname: string, init: RequestInit & { role?: 'admin' | 'user' } = {}) =>
    fetch(`${gateway.httpUrl}${pathname}`, {
      ...init,
      headers: { authorization: `Bearer ${gateway.token(init.role ?? 'admin')}`, ...(init.headers as Record<string, string>) },
    });
  const llmsUrl = '/apis/mastra.ai/v1/namespaces/default/llms';

  beforeAll(async () => {
    gateway = await startGateway();
    manifests = path.join(gateway.home, 'manifests');
    fs.mkdirSync(manifests);
    fs.writeFileSync(path.join(manifests, 'llm.yaml'), LLM);
    fs.writeFileSync(path.join(manifests, 'agents.yaml'), `${AGENT}---\n${OTHER_AGENT}`);
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('applies a folder client-side, then again unchanged, and lists agents of all namespaces as a table', async () => {
    // Given a folder of manifests
    // When kubectl applies it twice
    const first = await gateway.kubectl(['apply', '-f', manifests]);
    const second = await gateway.kubectl(['apply', '-f', manifests]);
    // Then everything is created, then unchanged
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toContain('llm.mastra.ai/mock-llm created');
    expect(first.stdout).toContain('agent.mastra.ai/chef created');
    expect(second.stdout).toContain('agent.mastra.ai/chef unchanged');
    // And `get agents -A` prints the kind's columns with the namespace kubectl adds
    const table = await gateway.kubectl(['get', 'agents', '-A']);
    expect(table.code).toBe(0);
    const [header, ...rows] = table.stdout.trim().split('\n');
    expect(header.split(/\s+/)).toEqual(['NAMESPACE', 'NAME', 'MODEL', 'READY', 'AGE']);
    expect(rows.map((row) => row.split(/\s+/).slice(0, 3))).toEqual([
      ['cooking', 'chef', 'default.mock-llm'],
      ['cooking', 'sommelier', 'default.mock-llm'],
    ]);
    expect(rows[0]).toMatch(/\d+s$/);
  });

  it('applies server-side, then keeps the object whole when kubectl migrates its last-applied annotation', async () => {
    // Given the LLM applied client-side, a changed manifest
    fs.writeFileSync(path.join(manifests, 'llm.yaml'), LLM.replace('mock-model', 'mock-large'));
    // When kubectl applies it server-side
    const applied = await gateway.kubectl(['apply', '--server-side', '-f', path.join(manifests, 'llm.yaml')]);
    // Then the spec changed, no warning was printed, and the generation moved on
    expect(applied).toMatchObject({ code: 0, stderr: '' });
    expect(applied.stdout).toContain('llm.mastra.ai/mock-llm serverside-applied');
    const yaml = await gateway.kubectl(['get', 'llm', 'mock-llm', '-o', 'yaml']);
    expect(yaml.stdout).toContain('model: mock-large');
    expect(yaml.stdout).toContain('provider: mock');
    expect(yaml.stdout).toContain('generation: 2');
    expect(yaml.stdout).toMatch(/resourceVersion: "\d+"/);
  });

  it('selects by label, describes and explains', async () => {
    const selected = await gateway.kubectl(['get', 'agents', '-l', 'app=kitchen-helper', '-n', 'cooking', '-o', 'name']);
    expect(selected.stdout.trim()).toBe('agent.mastra.ai/chef');

    const described = await gateway.kubectl(['describe', 'agent', 'chef', '-n', 'cooking']);
    expect(described.code).toBe(0);
    expect(described.stdout).toMatch(/Name:\s+chef/);
    expect(described.stdout).toMatch(/Labels:\s+app=kitchen-helper/);
    expect(described.stdout).toMatch(/Ref:\s+default\.mock-llm/);

    const explained = await gateway.kubectl(['explain', 'agent.spec']);
    expect(explained.code).toBe(0);
    expect(explained.stdout).toContain('KIND:       Agent');
    expect(explained.stdout).toMatch(/instructions\s+<string> -required-/);
  });

  it('streams changes to `get -w` and deletes', async () => {
    // Given kubectl watching the agents of a namespace
    const watcher = gateway.spawnKubectl(['get', 'agents', '-n', 'cooking', '-w', '--output-watch-events']);
    let output = '';
    watcher.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await waitFor(() => output.includes('sommelier'));
      // When an agent is deleted
      const deleted = await gateway.kubectl(['delete', 'agent', 'sommelier', '-n', 'cooking']);
      // Then kubectl reports it and the watch shows the deletion
      expect(deleted.stdout).toContain('agent.mastra.ai "sommelier" deleted');
      await waitFor(() => /DELETED\s+sommelier/.test(output));
      expect(output).toMatch(/ADDED\s+chef/);
    } finally {
      watcher.kill();
    }
    const gone = await gateway.kubectl(['get', 'agent', 'sommelier', '-n', 'cooking']);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('agents.mastra.ai "sommelier" not found');
  });

  it('refuses requests without a valid token (401) and secrets to an edit user (403)', async () => {
    // Given bob (a user token) bound to edit in default
    const binding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'bob-edit', namespace: 'default' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'bob' }],
    };
    const bound = await api('/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(binding) });
    expect(bound.status).toBe(201);
    const anonymous = await fetch(`${gateway.httpUrl}${llmsUrl}`);
    expect(anonymous.status).toBe(401);
    expect(await readJson(anonymous)).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    const forged = await fetch(`${gateway.httpUrl}/apis`, { headers: { authorization: 'Bearer a.b.c' } });
    expect(forged.status).toBe(401);
    const secrets = await api('/apis/mastra.ai/v1/namespaces/default/secrets', { role: 'user' });
    expect(secrets.status).toBe(403);
    expect(await readJson(secrets)).toMatchObject({ reason: 'Forbidden' });
    expect((await api(llmsUrl, { role: 'user' })).status).toBe(200);
    expect((await api('/apis/mastra.ai/v1/namespaces/default/secrets')).status).toBe(200);
    expect((await fetch(`${gateway.httpUrl}/healthz`)).status).toBe(200);
  });

  it('answers conflicts, invalid specs and malformed or oversized bodies with Status objects', async () => {
    const post = (body: string, contentType = 'application/yaml') => api(llmsUrl, { method: 'POST', body, headers: { 'content-type': contentType } });
    // A name taken: 409 AlreadyExists
    const taken = await post(LLM);
    expect(taken.status).toBe(409);
    expect(await readJson(taken)).toMatchObject({ reason: 'AlreadyExists' });
    // An invalid spec: 422 naming the field
    const invalid = await post(LLM.replace('name: mock-llm', 'name: bad-llm').replace('provider: mock', 'provider: nope'));
    expect(invalid.status).toBe(422);
    const invalidStatus = await readJson(invalid);
    expect(invalidStatus.reason).toBe('Invalid');
    expect(invalidStatus.details.causes.map((cause: { field: string }) => cause.field)).toContain('spec.provider');
    // Malformed YAML: 400 with the parser's message
    const malformed = await post('apiVersion: mastra.ai/v1\nkind: [LLM\n');
    expect(malformed.status).toBe(400);
    expect((await readJson(malformed)).message).toMatch(/not valid YAML/);
    // Another kind than the URL's: 400
    const wrongKind = await post(AGENT);
    expect(wrongKind.status).toBe(400);
    // More than 3 MiB: 413
    const huge = await post(JSON.stringify({ padding: 'x'.repeat(3 * 1024 * 1024 + 10) }), 'application/json');
    expect(huge.status).toBe(413);
    expect(await readJson(huge)).toMatchObject({ reason: 'RequestEntityTooLarge' });
    // Unknown plural: 404
    expect((await api('/apis/mastra.ai/v1/namespaces/default/gadgets')).status).toBe(404);
    // None of it was stored
    const list = await readJson(await api(llmsUrl));
    expect(list.items.map((item: { metadata: { name: string } }) => item.metadata.name)).toEqual(['mock-llm']);
  });

  it('stores nothing on dryRun and rejects a stale resourceVersion with 409', async () => {
    const dry = await api(`${llmsUrl}?dryRun=All`, { method: 'POST', body: LLM.replace('name: mock-llm', 'name: dry-llm'), headers: { 'content-type': 'application/yaml' } });
    expect(dry.status).toBe(201);
    expect((await readJson(dry)).metadata.name).toBe('dry-llm');
    expect((await api(`${llmsUrl}/dry-llm`)).status).toBe(404);

    const current = await readJson(await api(`${llmsUrl}/mock-llm`));
    // A replace that changes something moves the resourceVersion on (a no-op would not)
    const changed = { ...current, metadata: { ...current.metadata, labels: { replaced: 'yes' } } };
    const replaced = await api(`${llmsUrl}/mock-llm`, { method: 'PUT', body: JSON.stringify(changed), headers: { 'content-type': 'application/json' } });
    expect(replaced.status).toBe(200);
    expect((await readJson(replaced)).metadata.resourceVersion).not.toBe(current.metadata.resourceVersion);
    const stale = await api(`${llmsUrl}/mock-llm`, { method: 'PUT', body: JSON.stringify(current), headers: { 'content-type': 'application/json' } });
    expect(stale.status).toBe(409);
    expect(await readJson(stale)).toMatchObject({ reason: 'Conflict' });
    const renamed = await api(`${llmsUrl}/mock-llm`, { method: 'PUT', body: JSON.stringify({ ...current, metadata: { ...current.metadata, name: 'other' } }), headers: { 'content-type': 'application/json' } });
    expect(renamed.status).toBe(400);
  });

  it('bumps the generation on a merge patch only when the spec changes', async () => {
    const patch = (body: unknown) => api(`${llmsUrl}/mock-llm`, { method: 'PATCH', body: JSON.stringify(body), headers: { 'content-type': 'application/merge-patch+json' } });
    const before = await readJson(await api(`${llmsUrl}/mock-llm`));
    const labelled = await readJson(await patch({ metadata: { labels: { tier: 'test' } } }));
    expect(labelled.metadata.labels).toMatchObject({ tier: 'test' });
    expect(labelled.metadata.generation).toBe(before.metadata.generation);
    const respecified = await readJson(await patch({ spec: { model: 'mock-small' } }));
    expect(respecified.spec).toMatchObject({ provider: 'mock', model: 'mock-small' });
    expect(respecified.metadata.generation).toBe(before.metadata.generation + 1);
  });

  it('writes status only through the status subresource and keeps finalized objects until released', async () => {
    const send = (url: string, method: string, body: unknown, contentType = 'application/merge-patch+json') =>
      api(url, { method, body: JSON.stringify(body), headers: { 'content-type': contentType } });
    // Given an LLM with a finalizer
    const created = await readJson(await send(llmsUrl, 'POST', { apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name: 'held', finalizers: ['test/hold'] }, spec: { provider: 'mock', model: 'm' } }, 'application/json'));
    // When status is patched through /status, and through the object itself
    const condition = { type: 'Ready', status: 'True', reason: 'Registered', message: 'ok', lastTransitionTime: '2025-01-01T00:00:00Z' };
    const statusPatched = await readJson(await send(`${llmsUrl}/held/status`, 'PATCH', { status: { conditions: [condition] } }));
    const mainPatched = await readJson(await send(`${llmsUrl}/held`, 'PATCH', { status: { phase: 'Ignored' } }));
    // Then only the subresource wrote it, and the generation stayed
    expect(statusPatched.status.conditions).toEqual([condition]);
    expect(statusPatched.metadata.generation).toBe(created.metadata.generation);
    expect(mainPatched.status.phase).toBeUndefined();
    const table = await gateway.kubectl(['get', 'llm', 'held']);
    expect(table.stdout.split('\n')[1].split(/\s+/).slice(0, 4)).toEqual(['held', 'mock', 'm', 'True']);
    // When it is deleted, it stays with a deletionTimestamp until the finalizer goes
    const pending = await send(`${llmsUrl}/held`, 'DELETE', { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' }, 'application/json');
    expect(pending.status).toBe(200);
    expect((await readJson(pending)).metadata.deletionTimestamp).toEqual(expect.any(String));
    expect((await api(`${llmsUrl}/held`)).status).toBe(200);
    await send(`${llmsUrl}/held`, 'PATCH', [{ op: 'remove', path: '/metadata/finalizers' }], 'application/json-patch+json');
    expect((await api(`${llmsUrl}/held`)).status).toBe(404);
  });

  it('rejects unknown fields under strict field validation, through kubectl', async () => {
    const file = path.join(gateway.home, 'unknown-field.yaml');
    fs.writeFileSync(file, LLM.replace('name: mock-llm', 'name: typo-llm').replace('model: mock-model', 'model: mock-model\n  modle: typo'));
    const applied = await gateway.kubectl(['apply', '-f', file]);
    expect(applied.code).not.toBe(0);
    expect(applied.stderr).toContain('modle');
    expect((await api(`${llmsUrl}/typo-llm`)).status).toBe(404);
  });

  it('refuses unknown top-level and metadata fields under Strict, warns under Warn and drops them under Ignore', async () => {
    // Given a manifest with an unknown field at the top level, in metadata and in the spec
    const file = path.join(gateway.home, 'unknown-everywhere.yaml');
    const manifest = LLM.replace('name: mock-llm', 'name: loose-llm\n  colour: red').replace('spec:', 'foo: top\nspec:').replace('model: mock-model', 'model: mock-model\n  modle: typo');
    fs.writeFileSync(file, manifest);
    // When kubectl applies it (fieldValidation=Strict by default)
    const strict = await gateway.kubectl(['apply', '-f', file]);
    // Then it is refused naming each field, and nothing is stored
    expect(strict.code).not.toBe(0);
    for (const field of ['foo: Invalid value: unknown field "foo"', 'metadata.colour: Invalid value: unknown field "colour"', 'spec.modle']) {
      expect(strict.stderr).toContain(field);
    }
    expect((await api(`${llmsUrl}/loose-llm`)).status).toBe(404);
    // When it is applied with --validate=warn: stored without them, with a warning each
    const warned = await gateway.kubectl(['apply', '--validate=warn', '-f', file]);
    expect(warned).toMatchObject({ code: 0, stdout: expect.stringContaining('llm.mastra.ai/loose-llm created') });
    for (const field of ['foo', 'metadata.colour', 'spec.modle']) expect(warned.stderr).toContain(`Warning: unknown field "${field}"`);
    const stored = await readJson(await api(`${llmsUrl}/loose-llm`));
    expect(stored).not.toHaveProperty('foo');
    expect(stored.metadata).not.toHaveProperty('colour');
    expect(stored.spec).toEqual({ provider: 'mock', model: 'mock-model' });
    // When a changed manifest is applied (a patch) under Strict, then with --validate=ignore
    fs.writeFileSync(file, manifest.replace('model: mock-model', 'model: mock-large'));
    const strictPatch = await gateway.kubectl(['apply', '-f', file]);
    const ignored = await gateway.kubectl(['apply', '--validate=ignore', '-f', file]);
    // Then Strict refuses the patch, Ignore applies it silently without the unknown fields
    expect(strictPatch.code).not.toBe(0);
    expect(strictPatch.stderr).toContain('unknown field "foo"');
    expect(ignored).toMatchObject({ code: 0, stderr: '', stdout: expect.stringContaining('configured') });
    expect((await readJson(await api(`${llmsUrl}/loose-llm`))).spec).toEqual({ provider: 'mock', model: 'mock-large' });
  });

  it('answers Warn with a Kubernetes Warning header naming the field', async () => {
    const body = JSON.stringify({ apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name: 'warned-llm' }, spec: { provider: 'mock', model: 'm', foo: 1 } });
    const warned = await api(`${llmsUrl}?fieldValidation=Warn`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(warned.status).toBe(201);
    expect(warned.headers.get('warning')).toBe('299 - "unknown field \\"spec.foo\\""');
    const refused = await api(`${llmsUrl}?fieldValidation=Strict`, { method: 'POST', body: body.replace('warned-llm', 'refused-llm'), headers: { 'content-type': 'application/json' } });
    expect(refused.status).toBe(422);
    expect((await readJson(refused)).details.causes).toEqual([{ reason: 'FieldValueInvalid', field: 'spec.foo', message: 'Invalid value: unknown field "foo"' }]);
  });

  it('lists and watches by field selector, as kubectl wait does', async () => {
    const list = await readJson(await api(`${llmsUrl}?fieldSelector=metadata.name%3Dmock-llm`));
    expect(list.items).toHaveLength(1);
    const watch = await api(`${llmsUrl}?watch=1&fieldSelector=metadata.name%3Dmock-llm&timeoutSeconds=1`);
    expect(watch.headers.get('content-type')).toContain('application/json');
    const lines = (await watch.text()).trim().split('\n').map((line) => JSON.parse(line));
    expect(lines).toEqual([expect.objectContaining({ type: 'ADDED', object: expect.objectContaining({ kind: 'LLM' }) })]);
    const expired = await api(`${llmsUrl}?watch=true&resourceVersion=999999999&timeoutSeconds=1`);
    const error = JSON.parse((await expired.text()).trim().split('\n')[0]);
    expect(error).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410 } });
  });
});

/** A response's JSON body, loosely typed: the assertions check its shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function readJson(response: Response): Promise<any> {
  return response.json();
}

async function waitFor(condition: () => boolean, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
