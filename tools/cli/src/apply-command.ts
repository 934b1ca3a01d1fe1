import { stringify } from 'yaml';
import { DEFAULT_NAMESPACE } from '@kastra/api';
import { CliError, type CliContext } from './cli-context';
import { GatewayStatusError, type GatewayClient } from './gateway-client';
import { KindResolver, qualifiedName, resourcePath } from './kind-resolver';
import { loadManifests } from './manifest-loader';

export const FIELD_MANAGER = 'kastra-cli';

export interface ApplyOptions {
  filename: string[];
  namespace?: string;
}

/**
 * `kastra apply -f FILE|DIR [-n NS]`: server-side apply of every document, in order. A document
 * the server rejects is reported and the rest still applied (as kubectl does); exit code 1 then.
 * @returns whether every document was applied.
 */
export async function applyCommand(options: ApplyOptions, client: GatewayClient, ctx: CliContext): Promise<boolean> {
  const manifests = await loadManifests(options.filename, ctx);
  for (const { resource, source } of manifests) {
    const own = resource.metadata.namespace;
    if (options.namespace && own && own !== options.namespace) {
      throw new CliError(`${source}: the namespace from the object ("${own}") does not match the namespace given with -n ("${options.namespace}")`);
    }
  }
  const resolver = new KindResolver(client);
  let allApplied = true;
  for (const { resource } of manifests) {
    const namespace = resource.metadata.namespace ?? options.namespace ?? DEFAULT_NAMESPACE;
    try {
      const type = await resolver.forManifest(resource.apiVersion, resource.kind);
      const body = { ...resource, metadata: { ...resource.metadata, ...(type.namespaced ? { namespace } : {}) } };
      const response = await client.request('PATCH', resourcePath(type, namespace, resource.metadata.name), {
        query: { fieldManager: FIELD_MANAGER, force: 'true' },
        contentType: 'application/apply-patch+yaml',
        body: stringify(body),
      });
      ctx.stdout(`${qualifiedName(type)}/${resource.metadata.name} ${response.status === 201 ? 'created' : 'configured'}\n`);
    } catch (error) {
      if (!(error instanceof GatewayStatusError) && !(error instanceof CliError)) throw error;
      allApplied = false;
      ctx.stderr(`${error instanceof GatewayStatusError ? error.format() : `error: ${error.message}`}\n`);
    }
  }
  return allApplied;
}
