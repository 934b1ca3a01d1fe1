import { Metadata } from '@grpc/grpc-js';
import { BadRequestError, ForbiddenError, InvalidError, NotFoundError, UnauthorizedError } from '@kastra/api';
import { JwtAuthority } from '@kastra/auth';
import type { WatchEvent } from '@kastra/resource-store';
import { bootstrapPolicy, RbacAuthorizer, RbacPolicy } from '@kastra/rbac';
import { listPaging, ResourceRpcHandlers } from './resource-rpc-handlers';
import { InMemoryResourceStore } from './test/in-memory-resource-store';

const authority = new JwtAuthority('a-test-secret-of-at-least-32-bytes!!');

function withToken(role: 'admin' | 'user', sub = 'alice'): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${authority.issue({ sub, role })}`);
  return metadata;
}

function llmManifest(name: string, model = 'gpt-4o', labels: Record<string, string> = {}): string {
  return JSON.stringify({ apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name, labels }, spec: { provider: 'mock', model } });
}

const yamlLlm = (model: string) => `
apiVersion: mastra.ai/v1
kind: LLM
metadata:
  name: my-llm
  labels: { team: search }
spec:
  provider: mock
  model: ${model}
`;

/** Users of these tests: alice edits every namespace, bob views every namespace (ClusterRoleBindings). */
function policy(): RbacPolicy {
  const rbac = new RbacPolicy(bootstrapPolicy());
  for (const [sub, role] of [['alice', 'edit'], ['bob', 'view']]) {
    rbac.put({
      kind: 'ClusterRoleBinding',
      metadata: { name: `${sub}-${role}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: sub }],
    });
  }
  return rbac;
}

function setup() {
  const store = new InMemoryResourceStore();
  const rbac = policy();
  return { store, handlers: new ResourceRpcHandlers(store, authority, new RbacAuthorizer(() => rbac)) };
}

const apply = (manifest: string, extra: { dry_run?: boolean; field_manager?: string } = {}) => ({
  manifest,
  field_manager: extra.field_manager ?? '',
  dry_run: extra.dry_run ?? false,
});

describe('ResourceRpcHandlers', () => {
  it('applies a YAML manifest: creates it, then updates it with generation 2 when the spec changes', async () => {
    // Given an empty store
    const { store, handlers } = setup();
    // When the same LLM is applied twice with a new model
    const created = await handlers.apply(apply(yamlLlm('gpt-4o')), withToken('user'));
    const updated = await handlers.apply(apply(yamlLlm('gpt-4.1')), withToken('user'));
    // Then it was created in the default namespace, then updated to generation 2, same uid
    expect(created.metadata).toMatchObject({ name: 'my-llm', namespace: 'default', generation: 1, labels: { team: 'search' } });
    expect(updated.metadata.generation).toBe(2);
    expect(updated.metadata.uid).toBe(created.metadata.uid);
    expect(updated.spec).toEqual({ provider: 'mock', model: 'gpt-4.1' });
    // And the writes name the caller and the field manager
    expect(store.writes.map((ctx) => ctx.actor)).toEqual(['user:alice', 'user:alice']);
    expect(updated.metadata.annotations?.['mastra.ai/field-manager']).toBe('kastra-grpc');
  });

  it('does not store anything on a dry run', async () => {
    const { store, handlers } = setup();
    // When an LLM is applied with dry_run
    const result = await handlers.apply(apply(llmManifest('dry'), { dry_run: true, field_manager: 'ci' }), withToken('admin'));
    // Then the computed object comes back but the store stays empty
    expect(result.metadata.name).toBe('dry');
    expect(result.metadata.annotations?.['mastra.ai/field-manager']).toBe('ci');
    expect((await store.list({ kind: 'LLM' })).items).toEqual([]);
  });

  it('rejects a manifest that fails validation with the field paths, storing nothing', async () => {
    const { store, handlers } = setup();
    const bad = JSON.stringify({ apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name: 'bad' }, spec: { provider: 'nope', model: 'x' } });
    // When it is applied
    const error = await handlers.apply(apply(bad), withToken('admin')).catch((e: unknown) => e);
    // Then the error is Invalid and names spec.provider
    expect(error).toBeInstanceOf(InvalidError);
    expect((error as InvalidError).causes.map((c) => c.field)).toContain('spec.provider');
    expect((await store.list({ kind: 'LLM' })).items).toEqual([]);
  });

  it('refuses unknown fields at the top level, in metadata and in the spec, storing nothing', async () => {
    // Given an LLM with a field its schema does not declare at each level
    const { store, handlers } = setup();
    const manifest = JSON.parse(llmManifest('loose'));
    const loose = { ...manifest, foo: 1, metadata: { ...manifest.metadata, colour: 'red' }, spec: { ...manifest.spec, modle: 'typo' } };
    // When it is applied (Apply has no field validation option: Strict)
    const error = await handlers.apply(apply(JSON.stringify(loose)), withToken('admin')).catch((e: unknown) => e);
    // Then each field is named, and nothing is stored
    expect(error).toBeInstanceOf(InvalidError);
    expect((error as InvalidError).causes.map((c) => c.field).sort()).toEqual(['foo', 'metadata.colour', 'spec.modle']);
    expect((await store.list({ kind: 'LLM' })).items).toEqual([]);
  });

  it('rejects a manifest without identity with every missing field at once', async () => {
    const { handlers } = setup();
    const error = await handlers.apply(apply('{"spec": {}}'), withToken('admin')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidError);
    expect((error as InvalidError).causes.map((c) => c.field)).toEqual(['apiVersion', 'kind', 'metadata']);
  });

  it('rejects a lowercase or unknown kind in a manifest, hinting at the right one', async () => {
    const { handlers } = setup();
    const wrongCase = llmManifest('x').replace('"LLM"', '"llm"');
    await expect(handlers.apply(apply(wrongCase), withToken('admin'))).rejects.toThrow(/kind: Unsupported value: "llm".*did you mean "LLM"/);
    const unknown = llmManifest('x').replace('"LLM"', '"Gadget"');
    await expect(handlers.apply(apply(unknown), withToken('admin'))).rejects.toThrow(/kind: Unsupported value: "Gadget"/);
    const wrongGroup = llmManifest('x').replace('mastra.ai/v1', 'apps/v1');
    await expect(handlers.apply(apply(wrongGroup), withToken('admin'))).rejects.toThrow(/apiVersion: Unsupported value: "apps\/v1"/);
  });

  it('rejects text that is not one YAML or JSON object as a bad request', async () => {
    const { handlers } = setup();
    for (const text of ['', '# only a comment', 'a: [1, 2', '- 1\n- 2', '{"a":1}\n---\n{"b":2}']) {
      await expect(handlers.apply(apply(text), withToken('admin'))).rejects.toBeInstanceOf(BadRequestError);
    }
  });

  it('requires a valid bearer token on every call', async () => {
    const { handlers } = setup();
    const forged = new Metadata();
    forged.set('authorization', `Bearer ${new JwtAuthority('another-secret-of-at-least-32-bytes!').issue({ sub: 'eve', role: 'admin' })}`);
    for (const metadata of [new Metadata(), forged]) {
      await expect(handlers.apply(apply(llmManifest('x')), metadata)).rejects.toBeInstanceOf(UnauthorizedError);
      await expect(handlers.get({ kind: 'llm', namespace: '', name: 'x' }, metadata)).rejects.toBeInstanceOf(UnauthorizedError);
      await expect(handlers.list({ kind: 'llm', namespace: '', label_selector: '', field_selector: '' }, metadata)).rejects.toBeInstanceOf(UnauthorizedError);
    }
  });

  it('keeps Secrets from view (no write, no read) and edit (write, no read); admins may', async () => {
    const { handlers } = setup();
    const secret = JSON.stringify({ apiVersion: 'mastra.ai/v1', kind: 'Secret', metadata: { name: 'keys' }, stringData: { openai: 'sk-test' } });
    // When a viewer applies a Secret, and an editor gets, lists or watches Secrets
    await expect(handlers.apply(apply(secret), withToken('user', 'bob'))).rejects.toBeInstanceOf(ForbiddenError);
    await expect(handlers.get({ kind: 'secrets', namespace: '', name: 'keys' }, withToken('user', 'bob'))).rejects.toBeInstanceOf(ForbiddenError);
    await expect(handlers.get({ kind: 'secrets', namespace: '', name: 'keys' }, withToken('user'))).rejects.toBeInstanceOf(ForbiddenError);
    await expect(handlers.list({ kind: 'Secret', namespace: '', label_selector: '', field_selector: '' }, withToken('user'))).rejects.toBeInstanceOf(ForbiddenError);
    await expect(handlers.watch({ kind: 'secret', namespace: '', label_selector: '', resource_version: '' }, withToken('user'), new AbortController().signal)).rejects.toBeInstanceOf(ForbiddenError);
    // Then they are refused; an admin may read, and an editor may write
    await expect(handlers.get({ kind: 'secrets', namespace: '', name: 'keys' }, withToken('admin'))).rejects.toBeInstanceOf(NotFoundError);
    await expect(handlers.apply(apply(secret), withToken('user'))).resolves.toMatchObject({ kind: 'Secret' });
  });

  it('gets by kind, plural or short name, and says NotFound for a missing object', async () => {
    const { handlers } = setup();
    await handlers.apply(apply(llmManifest('a')), withToken('user'));
    for (const kind of ['LLM', 'llms', 'llm']) {
      const found = await handlers.get({ kind, namespace: 'default', name: 'a' }, withToken('user'));
      expect(found.metadata.name).toBe('a');
    }
    await expect(handlers.get({ kind: 'LLM', namespace: '', name: 'missing' }, withToken('user'))).rejects.toThrow('llms.mastra.ai "missing" not found');
    await expect(handlers.get({ kind: 'LLM', namespace: '', name: '' }, withToken('user'))).rejects.toBeInstanceOf(BadRequestError);
  });

  it('rejects an unknown or empty kind as a bad request', async () => {
    const { handlers } = setup();
    await expect(handlers.get({ kind: 'gadgets', namespace: '', name: 'a' }, withToken('user'))).rejects.toThrow('does not serve a resource type "gadgets"');
    await expect(handlers.list({ kind: ' ', namespace: '', label_selector: '', field_selector: '' }, withToken('user'))).rejects.toBeInstanceOf(BadRequestError);
  });

  it('lists with a label selector, across namespaces when none is given', async () => {
    const { handlers } = setup();
    await handlers.apply(apply(llmManifest('a', 'm', { team: 'search' })), withToken('user'));
    await handlers.apply(apply(llmManifest('b', 'm', { team: 'ads' })), withToken('user'));
    const other = JSON.parse(llmManifest('c', 'm', { team: 'search' }));
    other.metadata.namespace = 'prod';
    await handlers.apply(apply(JSON.stringify(other)), withToken('user'));
    // When listing team=search in every namespace, then in default only
    const all = await handlers.list({ kind: 'llms', namespace: '', label_selector: 'team=search', field_selector: '' }, withToken('user'));
    const inDefault = await handlers.list({ kind: 'llms', namespace: 'default', label_selector: 'team=search', field_selector: '' }, withToken('user'));
    // Then
    expect(all.items.map((item) => item.metadata.name).sort()).toEqual(['a', 'c']);
    expect(inDefault.items.map((item) => item.metadata.name)).toEqual(['a']);
    expect(all.resourceVersion).toBe('3');
  });

  it('deletes, honouring a resourceVersion precondition', async () => {
    const { store, handlers } = setup();
    const created = await handlers.apply(apply(llmManifest('a')), withToken('user'));
    // When deleting with a stale version, then with the current one
    await expect(handlers.delete({ kind: 'LLM', namespace: '', name: 'a', resource_version: '999' }, withToken('user'))).rejects.toThrow(/Operation cannot be fulfilled/);
    const deleted = await handlers.delete({ kind: 'LLM', namespace: '', name: 'a', resource_version: created.metadata.resourceVersion }, withToken('user'));
    // Then the object is gone
    expect(deleted.metadata.name).toBe('a');
    expect(await store.get({ kind: 'LLM', namespace: 'default', name: 'a' })).toBeUndefined();
    await expect(handlers.delete({ kind: 'LLM', namespace: '', name: 'a' }, withToken('user'))).rejects.toBeInstanceOf(NotFoundError);
  });

  it('watches from a list version: what changed after it, until aborted', async () => {
    const { store, handlers } = setup();
    await handlers.apply(apply(llmManifest('before')), withToken('user'));
    const { resourceVersion } = await handlers.list({ kind: 'LLM', namespace: '', label_selector: '', field_selector: '' }, withToken('user'));
    await handlers.apply(apply(llmManifest('after')), withToken('user'));
    const abort = new AbortController();
    // When watching from the list's version
    const events = await handlers.watch({ kind: 'llms', namespace: '', label_selector: '', resource_version: resourceVersion }, withToken('user'), abort.signal);
    const seen: WatchEvent[] = [];
    for await (const event of events) {
      seen.push(event);
      abort.abort();
    }
    // Then only the later object arrives, and the store watch is closed
    expect(seen.map((e) => [e.type, e.object.metadata.name])).toEqual([['ADDED', 'after']]);
    expect(store.openWatches).toBe(0);
  });

  it('reads List paging as the REST list does: a positive limit, 0 or negative none, a trimmed token; a non-integer limit is a 400', () => {
    expect(listPaging({ limit: '2', continue: ' tok ' })).toEqual({ limit: 2, continue: 'tok' });
    expect(listPaging({ limit: 3 })).toEqual({ limit: 3 });
    for (const limit of ['0', '-5', '', undefined]) expect(listPaging({ limit, continue: '' })).toEqual({});
    expect(listPaging({ limit: '9223372036854775807' })).toEqual({ limit: Number.MAX_SAFE_INTEGER });
    for (const limit of ['two', '1.5', '1e3']) expect(() => listPaging({ limit })).toThrow(BadRequestError);
  });
});
