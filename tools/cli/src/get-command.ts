import { stringify } from 'yaml';
import { DEFAULT_NAMESPACE, type Resource } from '@kastra/api';
import { CliError, type CliContext } from './cli-context';
import type { GatewayClient } from './gateway-client';
import { KindResolver, resourcePath } from './kind-resolver';
import { renderResourceTable } from './resource-table';

export const OUTPUT_FORMATS = ['yaml', 'json', 'wide'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface GetOptions {
  namespace?: string;
  allNamespaces?: boolean;
  selector?: string;
  output?: string;
}

/** `kastra get KIND [NAME] [-n NS] [-A] [-l SELECTOR] [-o yaml|json|wide]`. */
export async function getCommand(kindArg: string, nameArg: string | undefined, options: GetOptions, client: GatewayClient, ctx: CliContext): Promise<void> {
  const output = checkOutput(options.output);
  const [kindName, name] = splitKindName(kindArg, nameArg);
  if (name !== undefined && options.allNamespaces) throw new CliError('a resource cannot be retrieved by name across all namespaces');
  if (name !== undefined && options.selector) throw new CliError('name cannot be provided when a selector is specified');
  const type = await new KindResolver(client).forName(kindName);
  const namespace = options.allNamespaces ? undefined : (options.namespace ?? DEFAULT_NAMESPACE);

  let items: Resource[];
  let single: Resource | undefined;
  if (name !== undefined) {
    single = (await client.request('GET', resourcePath(type, namespace, name))).body as Resource;
    items = [single];
  } else {
    const { body } = await client.request('GET', resourcePath(type, namespace), { query: { labelSelector: options.selector || undefined } });
    // List items may omit apiVersion and kind, as Kubernetes lists do.
    const listed = (body as { items?: Partial<Resource>[] } | undefined)?.items ?? [];
    items = listed.map((item) => ({ apiVersion: type.groupVersion, kind: type.kind, ...item }) as Resource);
  }

  if (output === 'yaml' || output === 'json') {
    const document = single ?? { apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } };
    ctx.stdout(output === 'json' ? `${JSON.stringify(document, null, 2)}\n` : stringify(document));
    return;
  }
  if (items.length === 0) {
    ctx.stderr(namespace === undefined ? 'No resources found\n' : `No resources found in ${namespace} namespace.\n`);
    return;
  }
  ctx.stdout(renderResourceTable(items, type.kind, { allNamespaces: options.allNamespaces, wide: output === 'wide' }));
}

export function checkOutput(output: string | undefined): OutputFormat | undefined {
  if (output === undefined) return undefined;
  if (!(OUTPUT_FORMATS as readonly string[]).includes(output)) {
    throw new CliError(`unknown output format "${output}": use one of ${OUTPUT_FORMATS.join(', ')}`);
  }
  return output as OutputFormat;
}

/** Accepts `get llm my-llm` and `get llm/my-llm`. */
export function splitKindName(kindArg: string, nameArg: string | undefined): [string, string | undefined] {
  const slash = kindArg.indexOf('/');
  if (slash < 0) return [kindArg, nameArg];
  if (nameArg !== undefined) throw new CliError(`there is no need to specify a resource type as a separate argument when passing "${kindArg}"`);
  const [kind, name] = [kindArg.slice(0, slash), kindArg.slice(slash + 1)];
  if (!kind || !name) throw new CliError(`"${kindArg}" is not KIND/NAME`);
  return [kind, name];
}
