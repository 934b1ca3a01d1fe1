import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { runScriptTool } from './script-tool';
import { ScriptSandboxPool } from './script-sandbox-pool';

/** The script Tools of examples/ run as users' scripts run: in the sandbox, as the body of an async function of input. */
describe('the examples\' script tools in the sandbox', () => {
  const pool = new ScriptSandboxPool();
  afterAll(() => pool.close());

  it('recipe-finder returns the matching recipes, best match first', async () => {
    // Given the recipe-finder Tool of examples/recipe-assistant.yaml
    const documents = parseAllDocuments(readFileSync(join(__dirname, '../../../../examples/recipe-assistant.yaml'), 'utf8')).map((d) => d.toJSON() as { kind: string; metadata: { name: string }; spec: { script?: { code: string } } });
    const code = documents.find((d) => d.kind === 'Tool' && d.metadata.name === 'recipe-finder')!.spec.script!.code;
    const run = (input: unknown) => runScriptTool('recipe-finder', code, input, { timeoutMs: 5000, pool }) as Promise<{ recipes: Array<{ name: string }> }>;
    // When it runs on the output of the ingredients step, Then the best matches come first
    expect((await run('You have: tomatoes and an onion.')).recipes.map((recipe) => recipe.name)).toEqual(['Tomato soup', 'Tomato and egg stir-fry', 'Vegetable omelette']);
    // And nothing matches chocolate
    expect(await run({ ingredients: ['chocolate'] })).toEqual({ recipes: [] });
  });
});
