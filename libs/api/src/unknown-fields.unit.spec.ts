import { pruneUnknownFields } from './unknown-fields';
import { validateResource } from './validate-resource';

const llm = (extra: Record<string, unknown> = {}, spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) => ({
  apiVersion: 'mastra.ai/v1',
  kind: 'LLM',
  metadata: { name: 'x', ...metadata },
  spec: { provider: 'mock', model: 'm', ...spec },
  ...extra,
});

describe('pruneUnknownFields', () => {
  it('finds and removes unknown fields at the top level, in metadata and in the spec', () => {
    // Given an LLM with a typo at each level
    const manifest = llm({ foo: 1 }, { modle: 'typo', rateLimits: { requestsPerMinute: 1, rpm: 2 } }, { colour: 'red' });
    // When it is pruned
    const { object, unknownFields } = pruneUnknownFields(manifest);
    // Then each is named by its path, and what is left is the valid manifest
    expect(unknownFields.map((cause) => cause.field)).toEqual(['metadata.colour', 'spec.modle', 'spec.rateLimits.rpm', 'foo']);
    expect(unknownFields[0]).toEqual({ reason: 'FieldValueInvalid', field: 'metadata.colour', message: 'Invalid value: unknown field "colour"' });
    expect(object).toEqual(llm({}, { rateLimits: { requestsPerMinute: 1 } }));
    expect(validateResource(object)).toEqual([]);
    // And the input is left as it was
    expect(manifest).toMatchObject({ foo: 1, metadata: { colour: 'red' } });
  });

  it('keeps free-form parts, maps and status, and walks arrays and the branch of an anyOf the value fits', () => {
    // Given a tool whose free-form schema, header map and status hold anything, and a header object with a typo
    const tool = {
      apiVersion: 'mastra.ai/v1',
      kind: 'Tool',
      metadata: { name: 't', labels: { any: 'label' }, managedFields: [{ manager: 'kubectl', anything: true }] },
      spec: {
        inputSchema: { type: 'object', whatever: { nested: true } },
        http: { url: 'https://api.test/x', headers: { Plain: 'v', Auth: { secretRef: { name: 's', key: 'k' }, extra: 1 } } },
      },
      status: { phase: 'Ready', custom: 1, conditions: [{ type: 'Ready', status: 'True', colour: 'green' }] },
    };
    // When it is pruned
    const { object, unknownFields } = pruneUnknownFields(tool);
    // Then only the closed objects lose their unknown fields
    expect(unknownFields.map((cause) => cause.field)).toEqual(['spec.http.headers.Auth.extra', 'status.conditions[0].colour']);
    expect(object.spec.inputSchema).toEqual(tool.spec.inputSchema);
    expect(object.status).toEqual({ phase: 'Ready', custom: 1, conditions: [{ type: 'Ready', status: 'True' }] });
    expect(object.metadata).toEqual(tool.metadata);
  });

  it('leaves a manifest of an unknown kind, and a valid one, as it is', () => {
    const gadget = { apiVersion: 'mastra.ai/v1', kind: 'Gadget', metadata: { name: 'g' }, foo: 1 };
    expect(pruneUnknownFields(gadget)).toEqual({ object: gadget, unknownFields: [] });
    expect(pruneUnknownFields(llm())).toEqual({ object: llm(), unknownFields: [] });
  });

  it('names a Secret unknown field but keeps its data and stringData keys', () => {
    const secret = { apiVersion: 'mastra.ai/v1', kind: 'Secret', metadata: { name: 's' }, type: 'Opaque', data: { a: 'YQ==' }, stringData: { b: 'b' }, spec: {} };
    const { object, unknownFields } = pruneUnknownFields(secret);
    expect(unknownFields.map((cause) => cause.field)).toEqual(['spec']);
    expect(object).toEqual({ apiVersion: 'mastra.ai/v1', kind: 'Secret', metadata: { name: 's' }, type: 'Opaque', data: { a: 'YQ==' }, stringData: { b: 'b' } });
  });
});
