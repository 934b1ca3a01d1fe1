import { API_GROUP_VERSION } from '@kastra/api';
import { CliError } from './cli-context';
import type { GatewayClient } from './gateway-client';

/** One served resource type, from discovery (an APIResourceList entry plus its group version). */
export interface ResourceType {
  groupVersion: string;
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
}

interface ApiResource {
  name: string;
  singularName?: string;
  kind: string;
  namespaced?: boolean;
  shortNames?: string[];
}

/**
 * Kind names → REST plurals through the gateway's discovery endpoints, so the CLI serves custom
 * kinds (from CustomResourceDefinitions) without knowing them. Lists are fetched once a run.
 */
export class KindResolver {
  private readonly lists = new Map<string, Promise<ResourceType[]>>();

  constructor(private readonly client: GatewayClient) {}

  /** The type of a manifest's `apiVersion` + `kind`. */
  async forManifest(apiVersion: string, kind: string): Promise<ResourceType> {
    const found = (await this.list(apiVersion)).find((type) => type.kind === kind);
    if (!found) throw new CliError(`no matches for kind "${kind}" in version "${apiVersion}"`);
    return found;
  }

  /** The type a user typed: kind, plural, singular or short name, any case; `plural.group` too. */
  async forName(name: string): Promise<ResourceType> {
    const wanted = name.toLowerCase();
    const matches = (type: ResourceType) =>
      [type.kind.toLowerCase(), type.plural, type.singular, ...type.shortNames].includes(wanted) ||
      wanted === `${type.plural}.${groupOf(type.groupVersion)}`;
    const own = (await this.list(API_GROUP_VERSION)).find(matches);
    if (own) return own;
    for (const groupVersion of await this.otherGroupVersions()) {
      const found = (await this.list(groupVersion)).find(matches);
      if (found) return found;
    }
    throw new CliError(`the server doesn't have a resource type "${name}"`);
  }

  private list(groupVersion: string): Promise<ResourceType[]> {
    let list = this.lists.get(groupVersion);
    if (!list) {
      list = this.fetchList(groupVersion);
      this.lists.set(groupVersion, list);
    }
    return list;
  }

  private async fetchList(groupVersion: string): Promise<ResourceType[]> {
    const { body } = await this.client.request('GET', apiBase(groupVersion));
    const resources = (body as { resources?: ApiResource[] } | undefined)?.resources;
    if (!Array.isArray(resources)) throw new CliError(`the server's discovery for ${groupVersion} has no resource list`);
    return resources
      .filter((resource) => !resource.name.includes('/'))
      .map((resource) => ({
        groupVersion,
        kind: resource.kind,
        plural: resource.name,
        singular: resource.singularName || resource.kind.toLowerCase(),
        shortNames: resource.shortNames ?? [],
        namespaced: resource.namespaced !== false,
      }));
  }

  /** Preferred versions of the groups other than mastra.ai (custom kinds). */
  private async otherGroupVersions(): Promise<string[]> {
    const { body } = await this.client.request('GET', '/apis');
    const groups = (body as { groups?: { name: string; preferredVersion?: { groupVersion: string } }[] } | undefined)?.groups ?? [];
    return groups
      .map((group) => group.preferredVersion?.groupVersion)
      .filter((gv): gv is string => typeof gv === 'string' && gv !== API_GROUP_VERSION);
  }
}

/** `/apis/<group>/<version>`, or `/api/v1` for the core group. */
export function apiBase(groupVersion: string): string {
  return groupVersion.includes('/') ? `/apis/${groupVersion}` : `/api/${groupVersion}`;
}

function groupOf(groupVersion: string): string {
  return groupVersion.includes('/') ? groupVersion.split('/')[0] : '';
}

/** The REST path of a collection (`name` omitted) or one object; `namespace` undefined = all namespaces. */
export function resourcePath(type: ResourceType, namespace: string | undefined, name?: string): string {
  const scope = type.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${apiBase(type.groupVersion)}${scope}/${type.plural}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}

/** `llm.mastra.ai`, as kubectl names objects in its messages. */
export function qualifiedName(type: ResourceType): string {
  const group = groupOf(type.groupVersion);
  return group ? `${type.singular}.${group}` : type.singular;
}
