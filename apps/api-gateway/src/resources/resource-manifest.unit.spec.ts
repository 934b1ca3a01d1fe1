import { BadRequestError, NotFoundError } from '@kastra/api';
import { parseDeleteOptions } from './delete-options';
import { kindOfResource, manifestFor } from './resource-manifest';

const llms = () => kindOfResource('mastra.ai', 'v1', 'llms');
const llm = (metadata: Record<string, unknown> = { name: 'x' }) => ({ apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata, spec: {} });

describe('manifests against the URL', () => {
  it('serves only known plurals', () => {
    expect(llms().kind).toBe('LLM');
    expect(() => kindOfResource('mastra.ai', 'v1', 'gadgets')).toThrow(NotFoundError);
    expect(() => kindOfResource('mastra.ai', 'v1', 'LLMs')).toThrow(NotFoundError);
    expect(() => kindOfResource('rbac.authorization.k8s.io', 'v1', 'llms')).toThrow(NotFoundError);
  });

  it('fills the namespace in from the URL and keeps the rest', () => {
    expect(manifestFor(llm(), { kind: llms(), namespace: 'team' })).toEqual({ ...llm(), metadata: { name: 'x', namespace: 'team' } });
    expect(manifestFor(llm({ namespace: 'team' }), { kind: llms(), namespace: 'team', name: 'x' }).metadata).toEqual({ name: 'x', namespace: 'team' });
  });

  it('refuses a body whose apiVersion, kind, namespace or name disagree with the URL (400 naming it)', () => {
    const target = { kind: llms(), namespace: 'default', name: 'x' };
    expect(() => manifestFor({ ...llm(), apiVersion: 'v1' }, target)).toThrow(/API version in the data \(v1\)/);
    expect(() => manifestFor({ ...llm(), kind: 'Agent' }, target)).toThrow(/kind in the data \(Agent\) does not match .*agents/);
    expect(() => manifestFor({ ...llm(), kind: 'Gadget' }, target)).toThrow(/\(Gadget\) is not a kind/);
    expect(() => manifestFor({ metadata: { name: 'x' } }, target)).toThrow(/apiVersion is required/);
    expect(() => manifestFor(llm({ name: 'x', namespace: 'other' }), target)).toThrow(/namespace of the provided object \(other\)/);
    expect(() => manifestFor(llm({ name: 'y' }), target)).toThrow(/name of the object \(y\) does not match the name on the URL \(x\)/);
    expect(() => manifestFor({ ...llm(), metadata: 'x' }, target)).toThrow(BadRequestError);
  });

  it('reads DeleteOptions: preconditions and dryRun, nothing when empty', () => {
    expect(parseDeleteOptions(undefined, undefined)).toEqual({ preconditions: {}, dryRun: false });
    const body = Buffer.from(JSON.stringify({ kind: 'DeleteOptions', propagationPolicy: 'Background', preconditions: { resourceVersion: '4' }, dryRun: ['All'] }));
    expect(parseDeleteOptions(body, 'application/json')).toEqual({ preconditions: { resourceVersion: '4' }, dryRun: true });
    expect(() => parseDeleteOptions(Buffer.from('{"dryRun":["Maybe"]}'), 'application/json')).toThrow(BadRequestError);
    expect(() => parseDeleteOptions(Buffer.from('{"preconditions":{"uid":3}}'), 'application/json')).toThrow(BadRequestError);
  });
});

describe('manifestFor a cluster-scoped kind', () => {
  it('drops a namespace sent in the body and checks the RBAC apiVersion', () => {
    const clusterRoles = kindOfResource('rbac.authorization.k8s.io', 'v1', 'clusterroles');
    const body = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r', namespace: 'x' }, rules: [] };
    expect(manifestFor(body, { kind: clusterRoles, name: 'r' })).toEqual({ ...body, metadata: { name: 'r' } });
    expect(() => manifestFor({ ...body, apiVersion: 'mastra.ai/v1' }, { kind: clusterRoles })).toThrow(/expected API version \(rbac.authorization.k8s.io\/v1\)/);
  });
});
