import { setCustomResourceDefinitions, type Resource } from '@kastra/api';
import { customChildNotReadyBecause, isCustomChild, storedCustomChild } from './custom-child';

/** Widgets served as v1 (stored) and v1beta1, with a status subresource; Gadgets as v1 without. */
const crd = (plural: string, kind: string, versions: Array<{ name: string; storage: boolean; status: boolean }>): Resource => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${plural}.example.com`, creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { kind, plural },
    versions: versions.map((v) => ({
      name: v.name,
      served: true,
      storage: v.storage,
      ...(v.status ? { subresources: { status: {} } } : {}),
      schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { color: { type: 'string', default: 'grey' } } } } } },
    })),
  },
});

const child = (apiVersion: string, kind: string, status?: Resource['status']): Resource => ({
  apiVersion,
  kind,
  metadata: { name: 'c', namespace: 'ns' },
  spec: {},
  ...(status ? { status } : {}),
});
const ready = (value: 'True' | 'False') => ({ conditions: [{ type: 'Ready', status: value, reason: 'R', message: `ready is ${value}`, lastTransitionTime: '2026-01-01T00:00:00Z' }] });

describe('a System child of a custom kind', () => {
  beforeAll(() => {
    setCustomResourceDefinitions([
      crd('widgets', 'Widget', [{ name: 'v1', storage: true, status: true }, { name: 'v1beta1', storage: false, status: true }]),
      crd('gadgets', 'Gadget', [{ name: 'v1', storage: true, status: false }]),
    ]);
  });
  afterAll(() => setCustomResourceDefinitions([]));

  it('is any kind that is not built in', () => {
    expect(isCustomChild(child('example.com/v1', 'Widget'))).toBe(true);
    expect(isCustomChild(child('mastra.ai/v1', 'Agent'))).toBe(false);
  });

  it('is written in the storage version with the schema defaults, whichever served version it was declared in', () => {
    expect(storedCustomChild(child('example.com/v1beta1', 'Widget'))).toMatchObject({ apiVersion: 'example.com/v1', spec: { color: 'grey' } });
    expect(storedCustomChild(child('example.com/v1', 'Widget'))).toMatchObject({ apiVersion: 'example.com/v1', spec: { color: 'grey' } });
  });

  it('waits, naming the kind, when no CRD serves it or not under that version', () => {
    expect(storedCustomChild(child('example.com/v1', 'Sprocket'))).toMatchObject({ reason: 'KindNotServed', message: expect.stringContaining('kind Sprocket (example.com/v1) is not served') });
    expect(storedCustomChild(child('example.com/v2', 'Widget'))).toMatchObject({ reason: 'KindNotServed', message: expect.stringContaining('served: example.com/v1, example.com/v1beta1') });
  });

  it('counts by its Ready condition when its kind has the status subresource, and is not Ready before it has one', () => {
    expect(customChildNotReadyBecause(child('example.com/v1', 'Widget'))).toBe('not reconciled yet');
    expect(customChildNotReadyBecause(child('example.com/v1', 'Widget', ready('False')))).toBe('ready is False');
    expect(customChildNotReadyBecause(child('example.com/v1', 'Widget', ready('True')))).toBeUndefined();
  });

  it('counts by existence when its kind has no status subresource, unless it carries a Ready condition', () => {
    expect(customChildNotReadyBecause(child('example.com/v1', 'Gadget'))).toBeUndefined();
    expect(customChildNotReadyBecause(child('example.com/v1', 'Gadget', ready('False')))).toBe('ready is False');
    const deleting = child('example.com/v1', 'Gadget');
    deleting.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    expect(customChildNotReadyBecause(deleting)).toBe('it is being deleted');
  });
});
