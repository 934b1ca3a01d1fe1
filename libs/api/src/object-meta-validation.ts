import type { FieldCause } from './api-errors';
import { formatFieldPath } from './field-path';

/** RFC 1123 label: what Kastra accepts as a resource name, namespace and step-free child name. */
export const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
export const DNS_LABEL_MAX_LENGTH = 63;
const DNS_LABEL = new RegExp(DNS_LABEL_PATTERN);
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export const DNS_LABEL_MESSAGE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end " +
  "with an alphanumeric character (e.g. 'my-name', or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/** The reason for a name that is not a DNS label, or undefined when it is one. */
export function dnsLabelProblem(value: string): string | undefined {
  if (value.length > DNS_LABEL_MAX_LENGTH) return `must be no more than ${DNS_LABEL_MAX_LENGTH} characters`;
  if (!DNS_LABEL.test(value)) return DNS_LABEL_MESSAGE;
  return undefined;
}

/** RBAC names, as Kubernetes checks them (IsValidPathSegmentName): anything a URL path segment can carry. */
export function pathSegmentProblem(value: string): string | undefined {
  if (value === '.' || value === '..') return `may not be '${value}'`;
  if (value.includes('/') || value.includes('%')) return "may not contain '/' or '%'";
  if (value.length > 253) return 'must be no more than 253 characters';
  return undefined;
}

/** A DNS-1123 subdomain (custom resources' names, a CRD's group): lowercase labels joined by dots, at most 253 characters. */
export function dnsSubdomainProblem(value: string): string | undefined {
  if (value.length > 253) return 'must be no more than 253 characters';
  if (!DNS_SUBDOMAIN.test(value)) {
    return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')";
  }
  return undefined;
}

export function isDnsLabel(value: string): boolean {
  return dnsLabelProblem(value) === undefined;
}

/** Label and annotation keys: `[prefix/]name`, prefix a DNS subdomain (<= 253), name <= 63. */
function qualifiedNameProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return "a qualified name must have at most one '/' (prefix/name)";
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return 'prefix part must be a lowercase RFC 1123 subdomain of at most 253 characters (e.g. example.com)';
  }
  if (name.length === 0) return 'name part must be non-empty';
  if (name.length > 63) return 'name part must be no more than 63 characters';
  if (!QUALIFIED_NAME.test(name)) {
    return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  return undefined;
}

function labelValueProblem(value: string): string | undefined {
  if (value.length > 63) return 'must be no more than 63 characters';
  if (!LABEL_VALUE.test(value)) {
    return "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  return undefined;
}

function invalid(field: string, value: string, message: string): FieldCause {
  return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${message}` };
}

/** How a kind's names are checked: DNS labels (Kastra's kinds), DNS subdomains (custom kinds), any path segment (RBAC kinds). */
export type NameRule = 'dns-label' | 'dns-subdomain' | 'path-segment';

/**
 * Checks the metadata rules a JSON schema cannot say clearly: name and namespace are DNS labels,
 * label keys/values and annotation keys follow the Kubernetes syntax. Types are the schema's job:
 * non-string values are skipped here.
 */
export function validateObjectMeta(metadata: unknown, nameRule: NameRule = 'dns-label'): FieldCause[] {
  if (typeof metadata !== 'object' || metadata === null) return [];
  const meta = metadata as Record<string, unknown>;
  const causes: FieldCause[] = [];
  if (meta.name === '') causes.push({ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name is required' });
  else if (typeof meta.name === 'string') {
    const problem = nameRule === 'path-segment' ? pathSegmentProblem(meta.name) : nameRule === 'dns-subdomain' ? dnsSubdomainProblem(meta.name) : dnsLabelProblem(meta.name);
    if (problem) causes.push(invalid('metadata.name', meta.name, problem));
  }
  if (typeof meta.namespace === 'string' && meta.namespace !== '') {
    const problem = dnsLabelProblem(meta.namespace);
    if (problem) causes.push(invalid('metadata.namespace', meta.namespace, problem));
  }
  for (const mapName of ['labels', 'annotations'] as const) {
    const map = meta[mapName];
    if (typeof map !== 'object' || map === null || Array.isArray(map)) continue;
    for (const [key, value] of Object.entries(map as Record<string, unknown>)) {
      const keyProblem = qualifiedNameProblem(key);
      if (keyProblem) causes.push(invalid(formatFieldPath(['metadata', mapName]), key, keyProblem));
      if (mapName === 'labels' && typeof value === 'string') {
        const valueProblem = labelValueProblem(value);
        if (valueProblem) causes.push(invalid(formatFieldPath(['metadata', mapName, key]), value, valueProblem));
      }
    }
  }
  return causes;
}
