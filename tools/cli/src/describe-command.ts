import { stringify } from 'yaml';
import { DEFAULT_NAMESPACE, type Resource } from '@kastra/api';
import type { CliContext } from './cli-context';
import type { GatewayClient } from './gateway-client';
import { KindResolver, resourcePath } from './kind-resolver';
import { formatAge, renderTable } from './resource-table';

/** `kastra describe KIND NAME [-n NS]`: metadata, spec as YAML, status and conditions. */
export async function describeCommand(kind: string, name: string, options: { namespace?: string }, client: GatewayClient, ctx: CliContext): Promise<void> {
  const type = await new KindResolver(client).forName(kind);
  const { body } = await client.request('GET', resourcePath(type, options.namespace ?? DEFAULT_NAMESPACE, name));
  ctx.stdout(renderDescription(body as Resource));
}

/** A person's view of one object. Secret values are never shown, only their sizes. */
export function renderDescription(resource: Resource, now = new Date()): string {
  const meta = resource.metadata;
  const pairs = (map: Record<string, string> | undefined) =>
    map && Object.keys(map).length > 0 ? Object.entries(map).map(([k, v]) => `${k}=${v}`).join(',') : '<none>';
  const lines = [
    field('Name', meta.name),
    field('Namespace', meta.namespace ?? DEFAULT_NAMESPACE),
    field('Labels', pairs(meta.labels)),
    field('Annotations', pairs(meta.annotations)),
    field('API Version', resource.apiVersion),
    field('Kind', resource.kind),
    field('UID', meta.uid ?? '<none>'),
    field('Resource Version', meta.resourceVersion ?? '<none>'),
    field('Generation', String(meta.generation ?? '<none>')),
    field('Created', meta.creationTimestamp ? `${meta.creationTimestamp} (${formatAge(now.getTime() - Date.parse(meta.creationTimestamp))} ago)` : '<unknown>'),
  ];
  if (meta.deletionTimestamp) lines.push(field('Deleting since', meta.deletionTimestamp));
  if (meta.finalizers?.length) lines.push(field('Finalizers', meta.finalizers.join(', ')));
  if (meta.ownerReferences?.length) lines.push(field('Owned by', meta.ownerReferences.map((o) => `${o.kind}/${o.name}`).join(', ')));
  if (resource.spec !== undefined) lines.push('Spec:', indent(stringify(resource.spec)));
  if (resource.data !== undefined) {
    lines.push('Data:');
    for (const [key, value] of Object.entries(resource.data)) lines.push(`  ${key}:  ${Buffer.from(value, 'base64').length} bytes`);
  }
  const status = resource.status;
  if (status) {
    lines.push('Status:');
    if (status.phase !== undefined) lines.push(`  ${field('Phase', status.phase)}`);
    if (status.observedGeneration !== undefined) lines.push(`  ${field('Observed Generation', String(status.observedGeneration))}`);
    const { phase: _phase, observedGeneration: _observed, conditions: _conditions, ...rest } = status;
    if (Object.keys(rest).length > 0) lines.push(indent(stringify(rest)));
  }
  const conditions = status?.conditions ?? [];
  lines.push('Conditions:');
  if (conditions.length === 0) lines.push('  <none>');
  else
    lines.push(
      indent(
        renderTable(
          ['TYPE', 'STATUS', 'REASON', 'AGE', 'MESSAGE'],
          conditions.map((c) => [c.type, c.status, c.reason || '', c.lastTransitionTime ? formatAge(now.getTime() - Date.parse(c.lastTransitionTime)) : '', c.message || '']),
        ),
      ),
    );
  return `${lines.join('\n')}\n`;
}

function field(label: string, value: string): string {
  return `${`${label}:`.padEnd(18)}${value}`;
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
