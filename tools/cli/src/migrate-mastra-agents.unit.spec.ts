import { validateResource } from '@kastra/api';
import { MIGRATED_PROVIDER_ANNOTATION, MIGRATION_TODO_ANNOTATION } from './migrate-mastra-context';
import { convertTexts, specOf } from './migrate-mastra-test-helpers';

const agentFile = (model: string, imports = '') => ({
  'agents/a.ts': `
    import { Agent } from '@mastra/core/agent';
    ${imports}
    export const helper = new Agent({
      name: 'Helper',
      instructions: 'You help.',
      model: ${model},
    });
  `,
});

describe('kastra migrate mastra: agents and their models', () => {
  it("reads a model-router string 'openai/gpt-4o' as an LLM openai-gpt-4o and refers to it", () => {
    const project = convertTexts(agentFile(`'openai/gpt-4o'`));
    expect(specOf(project.find('LLM', 'openai-gpt-4o'))).toEqual({ provider: 'openai', model: 'gpt-4o', apiKey: '${OPENAI_API_KEY}' });
    expect(specOf(project.find('Agent', 'helper'))).toEqual({ instructions: 'You help.', model: { ref: 'openai-gpt-4o' } });
    expect(project.entries('Agent helper: model', 'translated')).toHaveLength(1);
  });

  it("reads an AI SDK call openai('gpt-4o') (imported from @ai-sdk/openai) as the same LLM", () => {
    const project = convertTexts(agentFile(`openai('gpt-4o')`, `import { openai } from '@ai-sdk/openai';`));
    expect(specOf(project.find('LLM', 'openai-gpt-4o'))).toMatchObject({ provider: 'openai', model: 'gpt-4o' });
    expect(specOf(project.find('Agent', 'helper')).model).toEqual({ ref: 'openai-gpt-4o' });
  });

  it("reads anthropic('...') under an import alias, and makes one LLM for two agents on the same model", () => {
    const project = convertTexts({
      'a.ts': `
        import { Agent } from '@mastra/core/agent';
        import { anthropic as claude } from '@ai-sdk/anthropic';
        export const one = new Agent({ id: 'one', instructions: 'a', model: claude('claude-3-5-sonnet-latest') });
        export const two = new Agent({ id: 'two', instructions: 'b', model: 'anthropic/claude-3-5-sonnet-latest' });
      `,
    });
    expect(project.names('LLM')).toEqual(['anthropic-claude-3-5-sonnet-latest']);
    expect(specOf(project.find('LLM', 'anthropic-claude-3-5-sonnet-latest')).apiKey).toBe('${ANTHROPIC_API_KEY}');
    expect(project.names('Agent')).toEqual(['one', 'two']);
  });

  it('--provider-override mock serves the model with mock and keeps the Mastra provider in an annotation', () => {
    const project = convertTexts(agentFile(`'openai/gpt-4o'`), { providerOverride: 'mock' });
    const llm = project.find('LLM', 'openai-gpt-4o');
    expect(specOf(llm)).toEqual({ provider: 'mock', model: 'gpt-4o' });
    expect(llm.metadata.annotations?.[MIGRATED_PROVIDER_ANNOTATION]).toBe('openai');
    expect(project.entries('LLM openai-gpt-4o', 'approximated')).toHaveLength(1);
  });

  it('a model chosen by a function at run time: the Agent is written without a model, with a TODO and a report line', () => {
    const project = convertTexts(agentFile(`({ runtimeContext }) => runtimeContext.get('model')`));
    const agent = project.find('Agent', 'helper');
    expect(specOf(agent).model).toBeUndefined();
    expect(agent.metadata.annotations?.[MIGRATION_TODO_ANNOTATION]).toContain('set spec.model');
    expect(project.entries('Agent helper: model', 'not translated')[0].detail).toContain('chosen by a function at run time');
    expect(project.names('LLM')).toEqual([]);
  });

  it("a provider Kastra has no adapter for is reported, not guessed", () => {
    const project = convertTexts(agentFile(`'mistral/mistral-large'`));
    expect(project.entries('Agent helper: model', 'not translated')[0].detail).toContain('provider "mistral" has no Kastra adapter');
    const factory = convertTexts(agentFile(`mistral('mistral-large')`, `import { mistral } from '@ai-sdk/mistral';`));
    expect(factory.entries('Agent helper: model', 'not translated')[0].detail).toContain('provider "mistral" has no Kastra adapter');
  });

  it('--provider-override serves a model of a provider Kastra has no adapter for, and says so', () => {
    const project = convertTexts(agentFile(`'mistral/mistral-large'`), { providerOverride: 'mock' });
    const llm = project.find('LLM', 'mistral-mistral-large');
    expect(specOf(llm)).toEqual({ provider: 'mock', model: 'mistral-large' });
    expect(llm.metadata.annotations?.[MIGRATED_PROVIDER_ANNOTATION]).toBe('mistral');
    expect(specOf(project.find('Agent', 'helper')).model).toEqual({ ref: 'mistral-mistral-large' });
    expect(project.entries('Agent helper: model', 'approximated')[0].detail).toContain('served by --provider-override mock');
  });

  it('instructions from a template literal are dedented; computed instructions become a placeholder and a TODO', () => {
    const literal = convertTexts({
      'a.ts': "import { Agent } from '@mastra/core/agent';\nexport const a = new Agent({ id: 'a', model: 'openai/gpt-4o', instructions: `\n    Line one.\n      Indented.\n  ` });",
    });
    expect(specOf(literal.find('Agent', 'a')).instructions).toBe('Line one.\n  Indented.');
    const computed = convertTexts({
      'a.ts': "import { Agent } from '@mastra/core/agent';\nexport const a = new Agent({ id: 'a', model: 'openai/gpt-4o', instructions: ({ runtimeContext }) => runtimeContext.get('prompt') });",
    });
    const agent = computed.find('Agent', 'a');
    expect(specOf(agent).instructions).toContain('not migrated');
    expect(agent.metadata.annotations?.[MIGRATION_TODO_ANNOTATION]).toContain('write spec.instructions');
    expect(computed.entries('Agent a: instructions', 'not translated')).toHaveLength(1);
  });

  it('tools become spec.tools entries named as the model saw them, referring to the Tools', () => {
    const project = convertTexts({
      'tools.ts': `
        import { createTool } from '@mastra/core/tools';
        import { z } from 'zod';
        export const lookup = createTool({ id: 'lookup-thing', description: 'Looks up', inputSchema: z.object({ q: z.string() }), execute: async ({ context }) => ({ found: context.q }) });
      `,
      'agent.ts': `
        import { Agent } from '@mastra/core/agent';
        import { lookup } from './tools';
        export const a = new Agent({ id: 'a', instructions: 'x', model: 'openai/gpt-4o', tools: { lookup, 'lookup-thing': lookup, dynamic: makeTool() } });
      `,
    });
    expect(specOf(project.find('Agent', 'a')).tools).toEqual([{ name: 'lookup', refName: 'lookup-thing' }, { name: 'lookup-thing' }]);
    expect(project.names('Tool')).toEqual(['lookup-thing']);
    expect(project.entries('Agent a: tools', 'not translated')[0].detail).toContain('dynamic: makeTool()');
  });

  it('memory, default options and options Kastra has no field for: each is in the report', () => {
    const project = convertTexts({
      'a.ts': `
        import { Agent } from '@mastra/core/agent';
        import { Memory } from '@mastra/memory';
        export const a = new Agent({
          id: 'a', instructions: 'x', model: 'openai/gpt-4o',
          memory: new Memory({ options: { lastMessages: 5, semanticRecall: true } }),
          defaultGenerateOptions: { maxSteps: 7, temperature: 0.2 },
          voice: someVoice,
          agents: { other },
        });
      `,
    });
    expect(specOf(project.find('Agent', 'a'))).toMatchObject({ memory: { enabled: true, type: 'buffer', lastMessages: 5 }, maxSteps: 7 });
    expect(project.entries('memory options.semanticRecall', 'approximated')).toHaveLength(1);
    expect(project.entries('defaultGenerateOptions: temperature', 'not translated')).toHaveLength(1);
    expect(project.entries('Agent a: voice', 'not translated')).toHaveLength(1);
    expect(project.entries('Agent a: agents', 'not translated')[0].detail).toContain('Network');
  });

  it('every object written validates as the API server would', () => {
    const project = convertTexts(agentFile(`'openai/gpt-4o'`));
    for (const resource of project.resources) expect(validateResource(resource)).toEqual([]);
    expect(project.entries('does not validate')).toEqual([]);
  });

  it('new Mastra({...}): registered agents are translated, its other options reported', () => {
    const project = convertTexts({
      ...agentFile(`'openai/gpt-4o'`),
      'index.ts': `
        import { Mastra } from '@mastra/core/mastra';
        import { helper } from './agents/a';
        export const mastra = new Mastra({ agents: { helper }, storage: store, telemetry: { enabled: false } });
      `,
    });
    expect(project.names('Agent')).toEqual(['helper']);
    expect(project.entries('new Mastra: agents.helper', 'translated')).toHaveLength(1);
    expect(project.entries('new Mastra: storage', 'not translated')).toHaveLength(1);
    expect(project.entries('new Mastra: telemetry', 'not translated')).toHaveLength(1);
  });
});
