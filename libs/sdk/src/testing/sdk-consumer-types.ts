// Type-checked (strict, node16) in the temporary project against the packed declarations: the
// SDK's API as a consumer writes it. Never run.
import { AbstractController, EventBus, RuntimeManager, loadFromString, NotReadyError, type AgentResource, type ControllerContext, type LLMResource, type RuntimeResource, type WorkflowResult } from '@kastra/sdk';

const llm: LLMResource = { apiVersion: 'mastra.ai/v1', kind: 'LLM', metadata: { name: 'm' }, spec: { provider: 'mock', model: 'mock-1', options: { temperature: 0 } } };
const agent: AgentResource = { apiVersion: 'mastra.ai/v1', kind: 'Agent', metadata: { name: 'a' }, spec: { instructions: 'hi', model: { ref: 'm' } } };

class DataSourceController extends AbstractController {
  async getDesiredState(resource: RuntimeResource): Promise<unknown> {
    return resource.spec;
  }
  async getCurrentState(): Promise<unknown> {
    return undefined;
  }
  protected async updateResourceState(_resource: RuntimeResource, _desired: unknown, _current: unknown, context?: ControllerContext): Promise<void> {
    await context?.updateStatus({ phase: 'Ready' });
  }
  protected async cleanupResource(): Promise<void> {}
}

export async function example(): Promise<string> {
  const rt = new RuntimeManager();
  rt.registerController('DataSource', new DataSourceController(new EventBus()));
  await rt.applyResource(llm);
  await rt.applyResource(agent);
  const answer = await rt.getAgent('default.a').generate({ prompt: 'x', threadId: 't' });
  const result: WorkflowResult = await rt.getWorkflow('default.w').execute({ a: 1 });
  const other = await loadFromString('', { gateway: 'http://127.0.0.1:8080', token: 't' });
  try {
    await other.getNetwork('n').generate('task', { threadId: 't' });
  } catch (error) {
    if (error instanceof NotReadyError) return error.missing.map((ref) => `${ref.kind} ${ref.name} ${ref.field}`).join();
  }
  return `${answer.text} ${result.status} ${rt.getLLM('m').modelId}`;
}
