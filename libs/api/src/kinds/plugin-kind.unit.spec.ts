import { findKindByName, keyOf } from '../kind-registry';
import { evaluateJsonPath } from '../json-path';
import { validateResource } from '../validate-resource';
import { pluginPrincipal } from './plugin-kind';

const plugin = (spec: unknown) => ({ apiVersion: 'mastra.ai/v1', kind: 'Plugin', metadata: { name: 'datasource' }, spec });
const owns = [{ apiGroup: 'mastra.ai', kind: 'DataSource', plural: 'datasources' }];

describe('the Plugin kind', () => {
  it('is cluster-scoped, found by its names, and its principal is system:plugin:<name>', () => {
    expect(findKindByName('plg')?.kind).toBe('Plugin');
    expect(findKindByName('plugins')).toMatchObject({ group: 'mastra.ai', version: 'v1', namespaced: false, hasStatus: true });
    expect(keyOf({ ...plugin({}), metadata: { name: 'datasource', namespace: 'x' } } as never)).toEqual({ kind: 'Plugin', namespace: '', name: 'datasource' });
    expect(pluginPrincipal('datasource')).toBe('system:plugin:datasource');
  });

  it('accepts a Node module controller owning a kind and shipping CRDs', () => {
    expect(validateResource(plugin({ controller: { module: './controller.js', env: [{ name: 'LOG_LEVEL', value: 'debug' }] }, owns, crds: ['datasource-crd.yaml'] }))).toEqual([]);
    expect(validateResource(plugin({ controller: { image: 'ghcr.io/acme/ds:1' }, owns }))).toEqual([]);
  });

  it('refuses a controller with both or neither of module and image, no owned kind, and a kind owned twice', () => {
    const fields = (spec: unknown) => validateResource(plugin(spec)).map((cause) => cause.field);
    expect(fields({ controller: { module: './c.js', image: 'x' }, owns })).toEqual(['spec.controller']);
    expect(fields({ controller: {}, owns })).toEqual(['spec.controller']);
    expect(fields({ controller: { module: './c.js' }, owns: [] })).toEqual(['spec.owns']);
    expect(fields({ controller: { module: './c.js' }, owns: [...owns, ...owns] })).toEqual(['spec.owns[1]']);
    expect(fields({ controller: { module: './c.js' }, owns: [{ apiGroup: 'x', kind: 'lower', plural: 'Upper' }] })).toEqual(['spec.owns[0].kind', 'spec.owns[0].plural']);
  });

  it('shows the kinds it owns and Ready', () => {
    const kind = findKindByName('Plugin')!;
    const object = { ...plugin({ controller: { module: './c.js' }, owns: [...owns, { apiGroup: 'x.io', kind: 'Bucket', plural: 'buckets' }] }), status: { conditions: [{ type: 'Ready', status: 'True' }] } };
    expect(kind.printerColumns.slice(0, 2).map((column) => evaluateJsonPath(object, column.jsonPath))).toEqual(['DataSource,Bucket', 'True']);
  });
});
