import * as fs from 'node:fs';
import * as path from 'node:path';
import { resourceTypesSource } from './resource-type-generator';

describe('the resource types', () => {
  it('are what the kinds\' schemas generate now (run npm run sdk:pack after changing a schema)', () => {
    const committed = fs.readFileSync(path.join(__dirname, 'resource-types.generated.ts'), 'utf8');
    expect(committed).toBe(resourceTypesSource());
  });

  it('type every built-in kind with its apiVersion and kind as literals and its spec from the schema', () => {
    const source = resourceTypesSource();
    expect(source).toContain('export interface LLMResource {');
    expect(source).toMatch(/export interface AgentResource \{[^}]*apiVersion: "mastra\.ai\/v1";[^}]*kind: "Agent";/s);
    expect(source).toMatch(/export interface ClusterRoleResource \{[^}]*apiVersion: "rbac\.authorization\.k8s\.io\/v1";/s);
    // Enums of the schema are unions; required fields are not optional.
    expect(source).toMatch(/export interface LLMSpec \{[^]*?provider: "openai" \| "anthropic"[^;]*"mock";[^]*?model: string;/);
    expect(source).toContain('export type KnownResource =');
  });
});
