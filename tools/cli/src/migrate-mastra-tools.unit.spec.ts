import { MIGRATION_TODO_ANNOTATION } from './migrate-mastra-context';
import { convertTexts, specOf } from './migrate-mastra-test-helpers';

/** Runs a script tool's code the way the sandbox calls it: `async function (input)`. */
async function runScript(code: string, input: unknown): Promise<unknown> {
  const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (arg: string, body: string) => (input: unknown) => Promise<unknown>;
  return new AsyncFunction('input', code)(input);
}

const toolFile = (execute: string, extra = '') => ({
  'tool.ts': `
    import { createTool } from '@mastra/core/tools';
    import { z } from 'zod';
    ${extra}
    export const tool = createTool({
      id: 'the-tool',
      description: 'Does a thing',
      inputSchema: z.object({
        city: z.string().describe('Where'),
        days: z.number().int().min(1).max(7).optional(),
        unit: z.enum(['c', 'f']).default('c'),
        tags: z.array(z.string()),
      }),
      outputSchema: z.object({ summary: z.string() }),
      execute: ${execute},
    });
  `,
});

describe('kastra migrate mastra: createTool', () => {
  it('zod input and output schemas become JSON Schema on the Tool', () => {
    const project = convertTexts(toolFile(`async ({ context }) => ({ summary: context.city })`));
    const spec = specOf(project.find('Tool', 'the-tool'));
    expect(spec.description).toBe('Does a thing');
    expect(spec.inputSchema).toEqual({
      type: 'object',
      properties: {
        city: { type: 'string', description: 'Where' },
        days: { type: 'integer', minimum: 1, maximum: 7 },
        unit: { type: 'string', enum: ['c', 'f'], default: 'c' },
        tags: { type: 'array', items: { type: 'string' } },
      },
      required: ['city', 'tags'],
    });
    expect(spec.outputSchema).toEqual({ type: 'object', properties: { summary: { type: 'string' } }, required: ['summary'] });
    expect(project.entries('Tool the-tool: inputSchema', 'translated')).toHaveLength(1);
  });

  it('a zod construct with no JSON Schema form is approximated and said so', () => {
    const project = convertTexts({
      't.ts': `
        import { createTool } from '@mastra/core/tools';
        import { z } from 'zod';
        export const t = createTool({ id: 't', description: 'd', inputSchema: z.object({ when: z.string().refine((s) => s.length > 2) }), execute: async () => 1 });
      `,
    });
    expect(specOf(project.find('Tool', 't')).inputSchema).toMatchObject({ type: 'object', properties: { when: { type: 'string' } } });
    expect(project.entries('Tool t: inputSchema', 'approximated')[0].detail).toContain('refine');
  });

  it('a self-contained execute (0.x { context } form) becomes a script that computes the same answer', async () => {
    const project = convertTexts(toolFile(`async ({ context }) => ({ summary: \`\${context.city} for \${context.days ?? 1} days\` })`));
    const spec = specOf(project.find('Tool', 'the-tool'));
    expect(project.entries('Tool the-tool: execute', 'translated')[0].detail).toBe('a sandboxed script');
    expect(await runScript(spec.script.code, { city: 'Lisbon', days: 3 })).toEqual({ summary: 'Lisbon for 3 days' });
  });

  it('a self-contained execute (1.x (inputData, context) form) with project helpers inlines them', async () => {
    const project = convertTexts(
      toolFile(`async (input: { city: string }) => ({ summary: shout(input.city) + SUFFIX })`, `const SUFFIX = '!';\nfunction shout(text: string): string { return text.toUpperCase(); }`),
    );
    const spec = specOf(project.find('Tool', 'the-tool'));
    expect(project.entries('Tool the-tool: execute', 'translated')[0].detail).toContain('inlined');
    expect(spec.script.code).not.toContain(': string');
    expect(await runScript(spec.script.code, { city: 'Oslo' })).toEqual({ summary: 'OSLO!' });
  });

  it('an execute that reaches outside (fetch, process.env, imports) is a TODO: annotation, report line and a script that fails saying so', async () => {
    const project = convertTexts(
      toolFile(
        `async ({ context }) => { const res = await fetch('https://api.example.com/' + context.city + process.env.KEY); return { summary: await lookup(res) }; }`,
        `import { lookup } from 'some-package';`,
      ),
    );
    const tool = project.find('Tool', 'the-tool');
    const todo = tool.metadata.annotations?.[MIGRATION_TODO_ANNOTATION];
    expect(todo).toContain('calls fetch');
    expect(todo).toContain('process');
    expect(todo).toContain('lookup');
    const line = project.entries('Tool the-tool: execute', 'not translated');
    expect(line).toHaveLength(1);
    expect(line[0].detail).toContain('not self-contained');
    // The Mastra source is quoted for whoever rewrites it, and the tool never pretends to work.
    expect(specOf(tool).script.code).toContain("//   async ({ context }) => { const res = await fetch(");
    await expect(runScript(specOf(tool).script.code, { city: 'x' })).rejects.toThrow('Tool the-tool was not migrated from Mastra');
  });

  it('an execute using the Mastra runtime (mastra, runtimeContext) is not translated', () => {
    const project = convertTexts(toolFile(`async ({ context, mastra }) => ({ summary: await mastra.getAgent('x').generate(context.city) })`));
    expect(project.entries('Tool the-tool: execute', 'not translated')[0].detail).toContain('uses mastra from the Mastra runtime');
    const v1 = convertTexts(toolFile(`async (input, { runtimeContext }) => ({ summary: input.city + runtimeContext.get('x') })`));
    expect(v1.entries('Tool the-tool: execute', 'not translated')[0].detail).toContain('uses runtimeContext from the Mastra runtime');
    // A runtime parameter that is declared but never used does not matter.
    const unused = convertTexts(toolFile(`async ({ context, mastra }) => ({ summary: context.city })`));
    expect(unused.entries('Tool the-tool: execute', 'translated')).toHaveLength(1);
  });

  it('a tool without execute, or with options Kastra has no field for, is reported', () => {
    const project = convertTexts({
      't.ts': `
        import { createTool } from '@mastra/core/tools';
        export const t = createTool({ id: 't', description: 'd', requireApproval: true });
      `,
    });
    const tool = project.find('Tool', 't');
    expect(tool.metadata.annotations?.[MIGRATION_TODO_ANNOTATION]).toContain('it has no execute');
    expect(project.entries('Tool t: execute', 'not translated')).toHaveLength(1);
    expect(project.entries('Tool t: requireApproval', 'not translated')).toHaveLength(1);
  });

  it('two tools with one id both come across, the second renamed and reported', () => {
    const project = convertTexts({
      'a.ts': `import { createTool } from '@mastra/core/tools';\nexport const t = createTool({ id: 'same', description: 'a', execute: async () => 1 });`,
      'b.ts': `import { createTool } from '@mastra/core/tools';\nexport const t = createTool({ id: 'same', description: 'b', execute: async () => 2 });`,
    });
    expect(project.names('Tool')).toEqual(['same', 'same-2']);
    expect(project.entries('Tool same-2', 'approximated')[0]).toMatchObject({ at: { file: 'b.ts', line: 2 }, detail: expect.stringContaining('the name same is taken') });
  });

  it('a tool no agent uses is still migrated (nothing found is dropped)', () => {
    const project = convertTexts(toolFile(`async () => ({ summary: 'x' })`));
    expect(project.names('Tool')).toEqual(['the-tool']);
  });
});
