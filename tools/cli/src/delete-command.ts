import { DEFAULT_NAMESPACE } from '@kastra/api';
import { CliError, type CliContext } from './cli-context';
import { GatewayStatusError, type GatewayClient } from './gateway-client';
import { KindResolver, qualifiedName, resourcePath, type ResourceType } from './kind-resolver';
import { loadManifests } from './manifest-loader';
import { splitKindName } from './get-command';

export interface DeleteOptions {
  filename?: string[];
  namespace?: string;
  ignoreNotFound?: boolean;
}

/**
 * `kastra delete KIND NAME` or `kastra delete -f FILE|DIR`.
 * @returns whether everything named was deleted (or absent, with --ignore-not-found).
 */
export async function deleteCommand(kindArg: string | undefined, nameArg: string | undefined, options: DeleteOptions, client: GatewayClient, ctx: CliContext): Promise<boolean> {
  const resolver = new KindResolver(client);
  const targets: { type: () => Promise<ResourceType>; namespace: string; name: string }[] = [];
  if (options.filename?.length) {
    if (kindArg !== undefined) throw new CliError('give either KIND NAME or -f FILE, not both');
    for (const { resource } of await loadManifests(options.filename, ctx)) {
      targets.push({
        type: () => resolver.forManifest(resource.apiVersion, resource.kind),
        namespace: resource.metadata.namespace ?? options.namespace ?? DEFAULT_NAMESPACE,
        name: resource.metadata.name,
      });
    }
  } else {
    if (kindArg === undefined) throw new CliError('give KIND NAME or -f FILE|DIR');
    const [kind, name] = splitKindName(kindArg, nameArg);
    if (name === undefined) throw new CliError(`give the name of the ${kind} to delete`);
    targets.push({ type: () => resolver.forName(kind), namespace: options.namespace ?? DEFAULT_NAMESPACE, name });
  }

  let allDeleted = true;
  for (const target of targets) {
    try {
      const type = await target.type();
      await client.request('DELETE', resourcePath(type, target.namespace, target.name));
      ctx.stdout(`${qualifiedName(type)} "${target.name}" deleted\n`);
    } catch (error) {
      if (error instanceof GatewayStatusError && error.httpStatus === 404 && options.ignoreNotFound) continue;
      if (!(error instanceof GatewayStatusError) && !(error instanceof CliError)) throw error;
      allDeleted = false;
      ctx.stderr(`${error instanceof GatewayStatusError ? error.format() : `error: ${error.message}`}\n`);
    }
  }
  return allDeleted;
}
