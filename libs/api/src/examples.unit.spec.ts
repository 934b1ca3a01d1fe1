import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { findKindByName } from './kind-registry';
import { alphaToV1, CRD_ALPHA_GROUP, CRD_KIND } from './custom-resources/crd-shapes';
import { setCustomResourceDefinitions } from './custom-resources/custom-kinds';
import { expandSystem } from './kinds/system-expansion';
import { DEFAULT_NAMESPACE, type Resource } from './resource';
import { validateResource } from './validate-resource';
import { validateWorkflowGraph } from './workflow-graph';

const EXAMPLES = join(__dirname, '..', '..', '..', 'examples');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(entry.name) ? [path] : [];
  });
}

interface Example {
  where: string;
  resource: Resource;
}

function loadExamples(): Example[] {
  return yamlFiles(EXAMPLES).flatMap((file) =>
    parseAllDocuments(readFileSync(file, 'utf8')).map((document, index) => {
      if (document.errors.length > 0) throw new Error(`${file}#${index}: ${document.errors[0].message}`);
      return { where: `${relative(EXAMPLES, file)}#${index}`, resource: document.toJS() as Resource };
    }),
  );
}

const identity = (kind: string, namespace: string | undefined, name: string) => `${kind}/${namespace || DEFAULT_NAMESPACE}/${name}`;

describe('examples/', () => {
  const examples = loadExamples();
  // The examples' CRDs are served first, as a gateway serves them once they are applied.
  beforeAll(() => {
    const crds = examples.map((e) => e.resource).filter((r) => r.kind === CRD_KIND);
    setCustomResourceDefinitions(crds.map((crd) => (crd.apiVersion.startsWith(`${CRD_ALPHA_GROUP}/`) ? alphaToV1(crd) : crd)));
  });
  afterAll(() => setCustomResourceDefinitions([]));

  it('holds the documented examples', () => {
    expect(examples.length).toBeGreaterThan(20);
    expect(examples.map((e) => e.resource.kind)).toEqual(expect.arrayContaining(['LLM', 'Tool', 'Agent', 'Workflow', 'Network', 'System', 'Secret']));
  });

  it('validates every document', () => {
    const failures = examples
      .map(({ where, resource }) => ({ where, causes: validateResource(resource) }))
      .filter(({ causes }) => causes.length > 0);
    expect(failures).toEqual([]);
  });

  it('has each resource once', () => {
    const ids = examples.map(({ resource: r }) => identity(r.kind, r.metadata.namespace, r.metadata.name));
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it('resolves every reference to another example (System children included)', () => {
    const all = examples.flatMap(({ resource }) => [resource, ...(resource.kind === 'System' ? expandSystem(resource) : [])]);
    const known = new Set(all.map((r) => identity(r.kind, r.metadata.namespace, r.metadata.name)));
    const dangling = all.flatMap((resource) =>
      findKindByName(resource.kind)!
        .references(resource)
        .filter((ref) => !known.has(identity(ref.kind, ref.namespace, ref.name)))
        .map((ref) => `${resource.kind}/${resource.metadata.name} ${ref.field} -> ${identity(ref.kind, ref.namespace, ref.name)}`),
    );
    expect(dangling).toEqual([]);
  });

  it('uses only the mock provider outside providers/', () => {
    const all = examples
      .filter(({ where }) => !where.startsWith('providers'))
      .flatMap(({ resource }) => [resource, ...(resource.kind === 'System' ? expandSystem(resource) : [])]);
    const providers = new Set(
      all.flatMap((r) => {
        const spec = (r.spec ?? {}) as { provider?: string; model?: { provider?: string }; router?: { model?: { provider?: string } } };
        return r.kind === 'LLM' ? [spec.provider] : [spec.model?.provider, spec.router?.model?.provider].filter(Boolean);
      }),
    );
    expect([...providers]).toEqual(['mock']);
  });

  it('has valid workflow graphs', () => {
    const workflows = examples
      .flatMap(({ resource }) => [resource, ...(resource.kind === 'System' ? expandSystem(resource) : [])])
      .filter((r) => r.kind === 'Workflow');
    expect(workflows.length).toBeGreaterThanOrEqual(3);
    for (const workflow of workflows) expect(validateWorkflowGraph(workflow.spec)).toEqual([]);
  });
});
