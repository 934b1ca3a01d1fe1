import { requestAttributesOf } from './request-info';
import { reviewFromProtobuf } from './self-review-protobuf';

const attributes = (method: string, url: string) => {
  const parsed = new URL(url, 'http://gateway');
  return requestAttributesOf(method, parsed.pathname, parsed.searchParams);
};

describe('requestAttributesOf (the apiserver RequestInfo of a request)', () => {
  it.each([
    ['GET', '/apis/mastra.ai/v1/namespaces/a/llms', { verb: 'list', apiGroup: 'mastra.ai', resource: 'llms', namespace: 'a' }],
    ['GET', '/apis/mastra.ai/v1/namespaces/a/llms?watch=true', { verb: 'watch', resource: 'llms', namespace: 'a' }],
    ['GET', '/apis/mastra.ai/v1/namespaces/a/llms?watch=1&fieldSelector=metadata.name%3Dx', { verb: 'watch', name: 'x' }],
    ['GET', '/apis/mastra.ai/v1/llms', { verb: 'list', resource: 'llms', namespace: '' }],
    ['GET', '/apis/mastra.ai/v1/namespaces/a/llms/x', { verb: 'get', name: 'x', namespace: 'a' }],
    ['POST', '/apis/mastra.ai/v1/namespaces/a/llms', { verb: 'create', resource: 'llms' }],
    ['PUT', '/apis/mastra.ai/v1/namespaces/a/llms/x/status', { verb: 'update', name: 'x', subresource: 'status' }],
    ['PATCH', '/apis/mastra.ai/v1/namespaces/a/llms/x', { verb: 'patch', name: 'x' }],
    ['DELETE', '/apis/mastra.ai/v1/namespaces/a/llms/x', { verb: 'delete', name: 'x' }],
    ['DELETE', '/apis/mastra.ai/v1/namespaces/a/llms', { verb: 'deletecollection' }],
    ['POST', '/apis/mastra.ai/v1/namespaces/a/workflows/w/execute', { verb: 'create', resource: 'workflows', name: 'w', subresource: 'execute' }],
    ['GET', '/apis/mastra.ai/v1/namespaces/a/workflowruns/r/events', { verb: 'get', resource: 'workflowruns', subresource: 'events' }],
    ['GET', '/apis/mastra.ai/v1/namespaces/a/networks/n/state?thread=t', { verb: 'get', resource: 'networks', name: 'n', subresource: 'state' }],
    ['GET', '/apis/mastra.ai/v1/namespaces/a/networks/n/state?thread=t&watch=true', { verb: 'get', resource: 'networks', name: 'n', subresource: 'state' }],
    ['PATCH', '/apis/mastra.ai/v1/namespaces/a/networks/n/state?thread=t', { verb: 'patch', resource: 'networks', name: 'n', subresource: 'state' }],
    ['GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles/system:discovery', { verb: 'get', apiGroup: 'rbac.authorization.k8s.io', resource: 'clusterroles', name: 'system:discovery', namespace: '' }],
    ['GET', '/api/v1/namespaces', { verb: 'list', apiGroup: '', resource: 'namespaces', namespace: '' }],
    ['GET', '/api/v1/namespaces/a', { verb: 'get', resource: 'namespaces', name: 'a', namespace: 'a' }],
    ['GET', '/api/v1/namespaces/a/events', { verb: 'list', resource: 'events', namespace: 'a' }],
  ])('%s %s', (method, url, expected) => {
    expect(attributes(method, url)).toMatchObject(expected);
  });

  it.each([
    ['GET', '/apis'],
    ['GET', '/apis/mastra.ai'],
    ['GET', '/apis/mastra.ai/v1'],
    ['GET', '/api/v1'],
    ['GET', '/openapi/v3/apis/mastra.ai/v1'],
    ['GET', '/version'],
  ])('%s %s is a non-resource request on its path', (method, url) => {
    expect(attributes(method, url)).toEqual({ verb: 'get', path: url });
  });
});

describe('reviewFromProtobuf', () => {
  const field = (number: number, value: Buffer | string) => {
    const bytes = typeof value === 'string' ? Buffer.from(value) : value;
    return Buffer.concat([Buffer.from([(number << 3) | 2, bytes.length]), bytes]);
  };

  it('reads a SelfSubjectAccessReview as kubectl sends it (k8s\\0 + runtime.Unknown)', () => {
    // Given the review kubectl encodes for `auth can-i create llms -n team-a`
    const attributes = Buffer.concat([field(1, 'team-a'), field(2, 'create'), field(3, 'mastra.ai'), field(5, 'llms')]);
    const review = field(2, field(1, attributes));
    const typeMeta = Buffer.concat([field(1, 'authorization.k8s.io/v1'), field(2, 'SelfSubjectAccessReview')]);
    const body = Buffer.concat([Buffer.from('k8s\0'), field(1, typeMeta), field(2, review)]);
    // Then it reads as the JSON review
    expect(reviewFromProtobuf(body)).toEqual({
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { namespace: 'team-a', verb: 'create', group: 'mastra.ai', version: '', resource: 'llms', subresource: '', name: '' } },
    });
    expect(() => reviewFromProtobuf(Buffer.from('{}'))).toThrow(/k8s/);
    expect(() => reviewFromProtobuf(Buffer.concat([Buffer.from('k8s\0'), Buffer.from([0x12, 0x50])]))).toThrow(/truncated/);
  });
});
