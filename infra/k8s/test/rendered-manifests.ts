import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';

/** A rendered Kubernetes object, loosely typed: the tests read the fields they assert. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KubernetesObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [field: string]: any };

export interface SchemaProblem {
  object: string;
  path: string;
  message: string;
}

/** The kubectl the machine has (kubectl 1.32 bundles kustomize v5). */
export const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';

const repositoryRoot = path.resolve(__dirname, '../../..');

/** `kubectl kustomize <dir>` (relative to the repository root), parsed. */
export function renderKustomization(dir: string): KubernetesObject[] {
  const yaml = execFileSync(KUBECTL, ['kustomize', path.join(repositoryRoot, dir)], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  return parseAllDocuments(yaml).map((document) => document.toJSON() as KubernetesObject);
}

/** Every problem check-kubernetes-objects.mjs finds in `objects` (schemas and unknown fields). */
export function schemaProblems(objects: unknown[]): SchemaProblem[] {
  const output = execFileSync(process.execPath, [path.join(__dirname, 'check-kubernetes-objects.mjs')], {
    cwd: repositoryRoot,
    input: JSON.stringify(objects),
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(output) as SchemaProblem[];
}

export function objectsOfKind(objects: KubernetesObject[], kind: string): KubernetesObject[] {
  return objects.filter((object) => object.kind === kind);
}

export function objectNamed(objects: KubernetesObject[], kind: string, name: string): KubernetesObject {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the rendered manifests`);
  return found;
}
