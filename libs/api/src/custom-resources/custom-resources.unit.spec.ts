import { findKindByResource, KINDS } from '../kind-registry';
import type { Resource } from '../resource';
import { pruneUnknownFields } from '../unknown-fields';
import { ratchetCauses, validateResource } from '../validate-resource';
import { alphaToV1, v1ToAlpha } from './crd-shapes';
import { crdConditions, findCustomKind, setCustomResourceDefinitions, withCustomDefaults } from './custom-kinds';
import { toValidationSchema } from './structural-schema';

const widgetSchema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['size'],
      properties: {
        size: { type: 'integer', minimum: 1, maximum: 10 },
        color: { type: 'string', enum: ['red', 'blue'], default: 'red' },
        name: { type: 'string', pattern: '^[a-z]+$', minLength: 2, maxLength: 8 },
        port: { 'x-kubernetes-int-or-string': true },
        note: { type: 'string', nullable: true },
        parts: {
          type: 'array',
          maxItems: 2,
          items: { type: 'object', required: ['id'], properties: { id: { type: 'string' }, weight: { type: 'number', default: 1 } } },
        },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
    status: { type: 'object', properties: { phase: { type: 'string' } } },
  },
};

function crd(overrides: { name?: string; group?: string; kind?: string; plural?: string; created?: string; versions?: unknown[]; scope?: string } = {}): Resource {
  const group = overrides.group ?? 'example.com';
  const plural = overrides.plural ?? 'widgets';
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: overrides.name ?? `${plural}.${group}`, creationTimestamp: overrides.created ?? '2026-01-01T00:00:00Z' },
    spec: {
      group,
      scope: overrides.scope ?? 'Namespaced',
      names: { kind: overrides.kind ?? 'Widget', plural },
      versions: overrides.versions ?? [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: widgetSchema }, subresources: { status: {} } }],
    },
  };
}

const widget = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}): Resource =>
  ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w.one', namespace: 'default' }, spec, ...extra }) as Resource;

const fields = (object: unknown) => validateResource(object).map((cause) => `${cause.field}: ${cause.message}`);

describe('custom kinds from CustomResourceDefinitions', () => {
  afterEach(() => setCustomResourceDefinitions([]));

  it('serves an accepted CRD\'s kind under its group, version and plural, and stops when the CRD goes', () => {
    setCustomResourceDefinitions([crd()]);
    expect(findKindByResource('example.com', 'v1', 'widgets')).toMatchObject({ kind: 'Widget', namespaced: true, hasStatus: true, singular: 'widget', definedBy: 'widgets.example.com' });
    setCustomResourceDefinitions([]);
    expect(findKindByResource('example.com', 'v1', 'widgets')).toBeUndefined();
    expect(findCustomKind('Widget')).toBeUndefined();
    // Built-in kinds stay
    expect(KINDS.some((kind) => kind.kind === 'Agent')).toBe(true);
  });

  it('validates objects with the structural schema: types, required, enum, pattern, lengths, bounds, nested arrays, maps', () => {
    setCustomResourceDefinitions([crd()]);
    expect(fields(widget({ size: 3, color: 'blue', name: 'abc', port: 80, note: null, parts: [{ id: 'a' }], labels: { x: 'y' }, extra: { any: [1, { deep: true }] } }))).toEqual([]);
    expect(fields(widget({ size: 'big' }))).toEqual(['spec.size: must be integer']);
    expect(fields(widget({}))).toEqual(['spec.size: Required value']);
    expect(fields(widget({ size: 11 }))).toEqual(['spec.size: Invalid value: 11: must be <= 10']);
    expect(fields(widget({ size: 1, color: 'green' }))).toEqual(['spec.color: Unsupported value: "green": supported values: "red", "blue"']);
    expect(fields(widget({ size: 1, name: 'ABC' }))).toEqual(['spec.name: Invalid value: must match ^[a-z]+$']);
    expect(fields(widget({ size: 1, name: 'a' }))).toEqual(['spec.name: Invalid value: must NOT have fewer than 2 characters']);
    expect(fields(widget({ size: 1, name: 'abcdefghi' }))).toEqual(['spec.name: Too long: must have at most 8 characters']);
    expect(fields(widget({ size: 1, port: true }))).toEqual(['spec.port: must be integer or string']);
    expect(fields(widget({ size: 1, parts: [{ weight: 2 }, { id: 'b' }, { id: 'c' }] }))).toEqual(
      expect.arrayContaining(['spec.parts[0].id: Required value', 'spec.parts: Invalid value: must NOT have more than 2 items']),
    );
    expect(fields(widget({ size: 1, labels: { x: 1 } }))).toEqual(['spec.labels.x: must be string']);
    expect(fields(widget({ size: 1, colour: 'red' }))).toEqual(['spec.colour: Invalid value: unknown field "colour"']);
    expect(fields(widget({ size: 1 }, { apiVersion: 'example.com/v2' }))).toEqual(['apiVersion: Unsupported value: "example.com/v2": supported values: "example.com/v1"']);
    // Names of custom objects are DNS subdomains
    expect(fields({ ...widget({ size: 1 }), metadata: { name: 'Not_OK' } })[0]).toContain('metadata.name');
  });

  it('keeps ObjectMeta whatever the CRD says of metadata', () => {
    const withMetadata = { ...widgetSchema, properties: { ...widgetSchema.properties, metadata: { type: 'object' } } };
    setCustomResourceDefinitions([crd({ versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: withMetadata } }] })]);
    const labelled = { ...widget({ size: 1 }), metadata: { name: 'w', namespace: 'default', labels: { a: 'b' } } };
    expect(fields(labelled)).toEqual([]);
    expect(pruneUnknownFields(labelled).unknownFields).toEqual([]);
  });

  it('prunes what the schema does not declare, except where unknown fields are preserved', () => {
    setCustomResourceDefinitions([crd()]);
    const { object, unknownFields } = pruneUnknownFields(widget({ size: 1, colour: 'red', parts: [{ id: 'a', heavy: true }], extra: { kept: { x: 1 } } }, { junk: 1 }));
    expect(unknownFields.map((cause) => cause.field).sort()).toEqual(['junk', 'spec.colour', 'spec.parts[0].heavy']);
    expect(object).toEqual(widget({ size: 1, parts: [{ id: 'a' }], extra: { kept: { x: 1 } } }));
  });

  it('fills in defaults, nested ones included, and leaves given values', () => {
    setCustomResourceDefinitions([crd()]);
    const kind = findCustomKind('Widget')!;
    const defaulted = withCustomDefaults(widget({ size: 1, parts: [{ id: 'a' }, { id: 'b', weight: 5 }] }), kind);
    expect(defaulted.spec).toEqual({ size: 1, color: 'red', parts: [{ id: 'a', weight: 1 }, { id: 'b', weight: 5 }] });
    expect(withCustomDefaults(widget({ size: 1, color: 'blue' }), kind).spec).toEqual({ size: 1, color: 'blue' });
  });

  it('ratchets: problems of a top-level field a write leaves unchanged do not count', () => {
    setCustomResourceDefinitions([crd()]);
    const stored = widget({ size: 50 });
    const relabelled = { ...stored, metadata: { ...stored.metadata, labels: { a: 'b' } } };
    expect(ratchetCauses(validateResource(relabelled), stored, relabelled)).toEqual([]);
    const changed = widget({ size: 60 });
    expect(ratchetCauses(validateResource(changed), stored, changed).map((cause) => cause.field)).toEqual(['spec.size']);
  });

  it('keeps status to the subresource when one is declared, in the object otherwise', () => {
    const withoutStatus = crd({ versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: widgetSchema } }] });
    setCustomResourceDefinitions([withoutStatus]);
    expect(findCustomKind('Widget')).toMatchObject({ hasStatus: false, bodyFields: ['spec', 'status'] });
    setCustomResourceDefinitions([crd()]);
    expect(findCustomKind('Widget')).toMatchObject({ hasStatus: true, bodyFields: ['spec'] });
  });

  it('compiles a changed CRD again, and the same schema under two CRDs', () => {
    setCustomResourceDefinitions([crd()]);
    const changed = crd({ versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'string' } } } } } } }] });
    setCustomResourceDefinitions([changed, crd({ kind: 'Gizmo', plural: 'gizmos' })]);
    expect(fields(widget({ size: 'big' }))).toEqual([]);
    expect(fields({ ...widget({ size: 1, color: 'blue' }), kind: 'Gizmo' })).toEqual([]);
  });

  it('serves every served version, storing in the storage version (conversion None)', () => {
    const versions = [
      { name: 'v1beta1', served: true, storage: false, schema: { openAPIV3Schema: widgetSchema } },
      { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: widgetSchema } },
      { name: 'v1alpha1', served: false, storage: false, schema: { openAPIV3Schema: widgetSchema } },
    ];
    setCustomResourceDefinitions([crd({ versions })]);
    const beta = findKindByResource('example.com', 'v1beta1', 'widgets')!;
    expect(beta.conversion?.toStored(widget({ size: 1 }, { apiVersion: 'example.com/v1beta1' })).apiVersion).toBe('example.com/v1');
    expect(beta.conversion?.toServed(widget({ size: 1 })).apiVersion).toBe('example.com/v1beta1');
    expect(findKindByResource('example.com', 'v1alpha1', 'widgets')).toBeUndefined();
    expect(findCustomKind('Widget')?.version).toBe('v1');
  });

  it('accepts names unless a built-in kind or an older CRD has them, and says so in the conditions', () => {
    const agents = crd({ group: 'example.org', kind: 'Agent', plural: 'agents' });
    const older = crd({ created: '2026-01-01T00:00:00Z' });
    const newer = crd({ name: 'widgets.example.com', group: 'example.com', kind: 'Gizmo', plural: 'widgets', created: '2026-02-01T00:00:00Z' });
    const samePlural = { ...newer, metadata: { ...newer.metadata, name: 'other' } };
    setCustomResourceDefinitions([agents, samePlural, older]);
    expect(crdConditions('agents.example.org', 'now')).toEqual([
      expect.objectContaining({ type: 'NamesAccepted', status: 'False', reason: 'KindConflict', message: expect.stringContaining('built-in kind Agent') }),
      expect.objectContaining({ type: 'Established', status: 'False', reason: 'NotAccepted' }),
    ]);
    expect(crdConditions('widgets.example.com', 'now')).toEqual([
      expect.objectContaining({ type: 'NamesAccepted', status: 'True' }),
      expect.objectContaining({ type: 'Established', status: 'True', reason: 'InitialNamesAccepted' }),
    ]);
    expect(crdConditions('other', 'now')[0]).toMatchObject({ status: 'False', reason: 'PluralConflict' });
    expect(findKindByResource('example.org', 'v1', 'agents')).toBeUndefined();
    expect(findKindByResource('example.com', 'v1', 'widgets')?.kind).toBe('Widget');
  });
});

describe('CustomResourceDefinition objects', () => {
  it('need the name <plural>.<group>, one storage version, a schema with an object root and a group with a dot', () => {
    expect(fields(crd())).toEqual([]);
    expect(fields(crd({ name: 'widgets.example.org' }))).toEqual(['metadata.name: Invalid value: "widgets.example.org": must be spec.names.plural+"."+spec.group (widgets.example.com)']);
    expect(fields(crd({ group: 'local', name: 'widgets.local' }))).toEqual(['spec.group: Invalid value: "local": should be a domain with at least one dot']);
    const two = [
      { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: widgetSchema } },
      { name: 'v2', served: true, storage: true, schema: { openAPIV3Schema: { type: 'string' } } },
    ];
    expect(fields(crd({ versions: two }))).toEqual([
      'spec.versions[1].schema.openAPIV3Schema: Invalid value: must be of type object at the root',
      'spec.versions: Invalid value: must have exactly one version marked as storage version (2 are)',
    ]);
    expect(fields(crd({ versions: [{ name: 'v1', served: true, storage: true }] }))).toEqual(['spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required']);
    expect(fields(crd({ scope: 'Everywhere' }))[0]).toContain('spec.scope: Unsupported value');
    // References and ids would reach across schemas in the shared validator
    const withRef = { type: 'object', properties: { spec: { type: 'object', properties: { a: { $ref: '#/x' } } } } };
    expect(fields(crd({ versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: withRef } }] }))).toEqual([
      'spec.versions[0].schema.openAPIV3Schema: Invalid value: properties.spec.properties.a.$ref: not allowed in a structural schema',
    ]);
    const withId = { type: 'object', $id: 'https://example.com/s', properties: {} };
    expect(fields(crd({ versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: withId } }] }))[0]).toContain('$id: not allowed');
  });

  it('converts the mastra.ai/v1alpha1 shape to apiextensions.k8s.io/v1 and back', () => {
    const alpha: Resource = {
      apiVersion: 'mastra.ai/v1alpha1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'datasources.mastra.ai' },
      spec: {
        group: 'mastra.ai',
        scope: 'Namespaced',
        names: { kind: 'DataSource', plural: 'datasources' },
        validation: { openAPIV3Schema: widgetSchema },
        subresources: { status: {} },
        additionalPrinterColumns: [{ name: 'URL', type: 'string', jsonPath: '.spec.url' }],
      },
    };
    const v1 = alphaToV1(alpha);
    expect(v1).toEqual({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'datasources.mastra.ai' },
      spec: {
        group: 'mastra.ai',
        scope: 'Namespaced',
        names: { kind: 'DataSource', plural: 'datasources' },
        versions: [{ name: 'v1alpha1', served: true, storage: true, schema: { openAPIV3Schema: widgetSchema }, subresources: { status: {} }, additionalPrinterColumns: [{ name: 'URL', type: 'string', jsonPath: '.spec.url' }] }],
      },
    });
    expect(fields(v1)).toEqual([]);
    expect(v1ToAlpha(v1)).toEqual({ ...alpha, spec: { ...alpha.spec, version: 'v1alpha1' } });
    expect(fields(alpha)).toEqual([]);
    expect(fields({ ...alpha, spec: { ...alpha.spec, validation: { openAPIV3Schema: { type: 'array' } } } })).toEqual(['spec.validation.openAPIV3Schema: Invalid value: must be of type object at the root']);
    expect(() => alphaToV1({ ...alpha, spec: { ...alpha.spec, versions: [] } })).toThrow('spec.versions');
  });

  it('turns OpenAPI-only keywords into JSON Schema: nullable, int-or-string, closed objects', () => {
    expect(toValidationSchema({ type: 'object', properties: { a: { type: 'string', nullable: true, enum: ['x'] }, b: { 'x-kubernetes-int-or-string': true } } })).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: { a: { type: ['string', 'null'], enum: ['x', null] }, b: { anyOf: [{ type: 'integer' }, { type: 'string' }] } },
    });
    expect(toValidationSchema({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true })).toEqual({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
  });
});
