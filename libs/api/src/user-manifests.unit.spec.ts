import { parse } from 'yaml';
import { findKindByName } from './kind-registry';
import { USER_MANIFESTS } from './testing/user-manifests';
import { validateResource } from './validate-resource';
import { validateWorkflowGraph } from './workflow-graph';
import type { Resource } from './resource';

describe('manifests as users write them first', () => {
  it.each(Object.entries(USER_MANIFESTS))('%s validates as written', (_, text) => {
    // Given a manifest as the documentation shows it
    const manifest = parse(text) as Resource;
    // When it is validated
    const causes = validateResource(manifest);
    // Then nothing is wrong with it
    expect(causes).toEqual([]);
  });

  it('the documented workflows have valid graphs', () => {
    // Given the documented workflows
    for (const name of ['workflow recipe-suggestion', 'workflow data-processing']) {
      const workflow = parse(USER_MANIFESTS[name]) as Resource;
      // Then their step graphs are valid
      expect(validateWorkflowGraph(workflow.spec)).toEqual([]);
    }
  });

  it('resolves the documented references to the namespaces and names they mean', () => {
    // Given the documented Agent, Workflow and Networks
    const refs = (name: string) => {
      const resource = parse(USER_MANIFESTS[name]) as Resource;
      return findKindByName(resource.kind)!.references(resource);
    };
    // Then their references resolve as the documentation describes them
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
