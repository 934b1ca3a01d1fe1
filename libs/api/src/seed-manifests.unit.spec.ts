import { parse } from 'yaml';
import { findKindByName } from './kind-registry';
import { SEED_MANIFESTS } from './testing/seed-manifests';
import { validateResource } from './validate-resource';
import { validateWorkflowGraph } from './workflow-graph';
import type { Resource } from './resource';

describe('the seed documents’ manifests', () => {
  it.each(Object.entries(SEED_MANIFESTS))('%s validates as written', (_, text) => {
    // Given a manifest copied from the seed documents
    const manifest = parse(text) as Resource;
    // When it is validated
    const causes = validateResource(manifest);
    // Then nothing is wrong with it
    expect(causes).toEqual([]);
  });

  it('the seed workflows have valid graphs', () => {
    // Given the seed workflows
    for (const name of ['workflow recipe-suggestion', 'workflow data-processing']) {
      const workflow = parse(SEED_MANIFESTS[name]) as Resource;
      // Then their step graphs are valid
      expect(validateWorkflowGraph(workflow.spec)).toEqual([]);
    }
  });

  it('resolves the seed references to the namespaces and names the seed means', () => {
    // Given the seed's Agent, Workflow and Networks
    const refs = (name: string) => {
      const resource = parse(SEED_MANIFESTS[name]) as Resource;
      return findKindByName(resource.kind)!.references(resource);
    };
    // Then their references resolve as the seed describes them
    expect(refs('agent referring to an llm')).toEqual([
      { kind: 'LLM', namespace: 'default', name: 'my-llm', field: 'spec.model.ref' },
    ]);
    expect(refs('agent recipe-assistant')).toEqual([
      { kind: 'Tool', namespace: 'cooking', name: 'recipe-finder', field: 'spec.tools[0].refName' },
    ]);
    expect(refs('workflow recipe-suggestion')).toEqual([
      { kind: 'Agent', namespace: 'cooking', name: 'recipe-assistant', field: 'spec.steps[0].agent' },
      { kind: 'Tool', namespace: 'cooking', name: 'recipe-finder', field: 'spec.steps[1].tool' },
    ]);
    expect(refs('network customer-support').map((r) => `${r.kind}/${r.namespace}/${r.name}@${r.field}`)).toEqual([
      'Agent/default/greeter@spec.agents[0].ref',
      'Agent/default/technical@spec.agents[1].ref',
      'Agent/default/billing@spec.agents[2].ref',
    ]);
    // And a System's references to its own children are not external references
    expect(refs('system customer-support')).toEqual([]);
  });
});
