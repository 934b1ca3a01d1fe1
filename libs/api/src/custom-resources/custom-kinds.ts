import type { ValidateFunction } from 'ajv';
import type { Condition, Resource } from '../resource';
import type { KindDefinition } from '../kind-definition';
import { BUILTIN_KINDS, KINDS } from '../kind-registry';
import { crdAlphaKind } from './crd-kind';
import { CRD_KIND, viewOf, type CustomResourceDefinitionView, type CustomVersion } from './crd-shapes';
import { compileCustomSchema, customObjectSchema, releaseCustomSchema } from './structural-schema';

/** A kind a CRD added, as served under one of its versions. */
export interface CustomKind extends KindDefinition {
  definedBy: string;
  /** The kind of its lists (`<Kind>List` unless the CRD names another). */
  listKind: string;
  /** `group/version` objects are stored under (the CRD's storage version). */
  storageApiVersion: string;
  /** The JSON Schema its objects are validated, pruned and defaulted with. */
  validationSchema: Record<string, unknown>;
  validate: ValidateFunction;
  applyDefaults: ValidateFunction;
}

/** Why a CRD's names cannot be served (a conflict), or undefined when they are accepted. */
export interface NamesVerdict {
  accepted: boolean;
  reason: string;
  message: string;
}

const customKinds: CustomKind[] = [];
const verdicts = new Map<string, NamesVerdict>();

function customKindOf(crd: CustomResourceDefinitionView, version: CustomVersion, storage: CustomVersion): CustomKind {
  const { served, validation } = customObjectSchema(version.schema, crd.kind, version.hasStatus);
  const compiled = compileCustomSchema(validation);
  const storageApiVersion = `${crd.group}/${storage.name}`;
  const apiVersion = `${crd.group}/${version.name}`;
  const topLevel = Object.keys((validation.properties as Record<string, unknown>) ?? {}).filter((field) => !['apiVersion', 'kind', 'metadata'].includes(field));
  return {
    group: crd.group,
    version: version.name,
    kind: crd.kind,
    plural: crd.plural,
    singular: crd.singular,
    shortNames: crd.shortNames,
    namespaced: crd.scope === 'Namespaced',
    hasStatus: version.hasStatus,
    nameRule: 'dns-subdomain',
    categories: crd.categories,
    // With the status subresource, status is written only through it; without, it is part of the object.
    bodyFields: version.hasStatus ? topLevel.filter((field) => field !== 'status') : topLevel,
    schema: served,
    printerColumns: version.printerColumns,
    references: () => [],
    description: typeof version.schema.description === 'string' ? version.schema.description : `${crd.kind}, defined by the CustomResourceDefinition ${crd.name}.`,
    definedBy: crd.name,
    listKind: crd.listKind,
    storageApiVersion,
    validationSchema: validation,
    validate: compiled.validate,
    applyDefaults: compiled.applyDefaults,
    // Conversion None, as the apiserver's: only the apiVersion changes between versions.
    ...(version.name !== storage.name
      ? { conversion: { toServed: (stored: Resource) => ({ ...stored, apiVersion }), toStored: (object: Resource) => ({ ...object, apiVersion: storageApiVersion }) } }
      : {}),
  };
}

/** Compiled kinds per CRD and spec: a status write or a re-list does not compile its schemas again. */
const compiled = new Map<string, { spec: string; kinds: CustomKind[] }>();

function kindsOfCrd(crd: CustomResourceDefinitionView, storage: CustomVersion): CustomKind[] {
  const { creationTimestamp: _created, ...spec } = crd;
  const key = JSON.stringify(spec);
  const cached = compiled.get(crd.name);
  if (cached?.spec === key) return cached.kinds;
  if (cached) for (const kind of cached.kinds) releaseCustomSchema(kind.validationSchema);
  // The storage version first: lookups by kind name find it.
  const kinds = [storage, ...crd.versions.filter((v) => v !== storage)]
    .filter((version) => version.served || version === storage)
    .map((version) => customKindOf(crd, version, storage));
  compiled.set(crd.name, { spec: key, kinds });
  return kinds;
}

function byAge(a: CustomResourceDefinitionView, b: CustomResourceDefinitionView): number {
  return a.creationTimestamp.localeCompare(b.creationTimestamp) || a.name.localeCompare(b.name);
}

/**
 * Which CRDs' names are accepted: a kind name is one per server (objects are stored under it), a
 * plural, singular or short name one per group; built-in kinds come first, then older CRDs.
 */
function judgeNames(crds: CustomResourceDefinitionView[]): Map<string, NamesVerdict> {
  const result = new Map<string, NamesVerdict>();
  const kindNames = new Map<string, string>(BUILTIN_KINDS.map((kind) => [kind.kind, `the built-in kind ${kind.kind}`]));
  kindNames.set(CRD_KIND, 'the built-in kind CustomResourceDefinition');
  const resourceNames = new Map<string, string>();
  for (const kind of [...BUILTIN_KINDS, crdAlphaKind]) {
    for (const name of [kind.plural, kind.singular, ...kind.shortNames]) resourceNames.set(`${kind.group}/${name}`, `the built-in kind ${kind.kind}`);
  }
  for (const crd of [...crds].sort(byAge)) {
    const kindOwner = kindNames.get(crd.kind);
    const names = [crd.plural, crd.singular, ...crd.shortNames];
    const clash = names.find((name) => resourceNames.has(`${crd.group}/${name}`));
    if (kindOwner) {
      result.set(crd.name, { accepted: false, reason: 'KindConflict', message: `kind ${crd.kind} is already in use by ${kindOwner}` });
    } else if (clash) {
      result.set(crd.name, { accepted: false, reason: 'PluralConflict', message: `"${clash}" is already in use by ${resourceNames.get(`${crd.group}/${clash}`)} in group ${crd.group}` });
    } else {
      result.set(crd.name, { accepted: true, reason: 'NoConflicts', message: 'no conflicts found' });
      kindNames.set(crd.kind, `the CustomResourceDefinition ${crd.name}`);
      for (const name of names) resourceNames.set(`${crd.group}/${name}`, `the CustomResourceDefinition ${crd.name}`);
    }
  }
  return result;
}

/**
 * Serves exactly the kinds of these CRDs (every CRD there is): each one whose names are accepted,
 * under each of its served versions, replacing what was served before. The kind registry
 * (KINDS) is changed in place, so routes, discovery, OpenAPI, tables, RBAC and validation see
 * the change at once. A CRD whose schema does not compile serves nothing.
 */
export function setCustomResourceDefinitions(crds: readonly Resource[]): void {
  const views = crds.filter((crd) => crd.kind === CRD_KIND && !crd.metadata.deletionTimestamp).map(viewOf);
  const judged = judgeNames(views);
  const next: CustomKind[] = [];
  for (const crd of views) {
    if (!judged.get(crd.name)?.accepted) continue;
    const storage = crd.versions.find((version) => version.storage);
    if (!storage) continue;
    try {
      next.push(...kindsOfCrd(crd, storage));
    } catch {
      judged.set(crd.name, { accepted: false, reason: 'InvalidSchema', message: 'the schema could not be compiled' });
    }
  }
  for (const [name, gone] of [...compiled]) {
    if (views.some((crd) => crd.name === name)) continue;
    for (const kind of gone.kinds) releaseCustomSchema(kind.validationSchema);
    compiled.delete(name);
  }
  verdicts.clear();
  for (const [name, verdict] of judged) verdicts.set(name, verdict);
  customKinds.splice(0, customKinds.length, ...next);
  const builtins = KINDS.filter((kind) => kind.definedBy === undefined);
  KINDS.splice(0, KINDS.length, ...builtins, ...next.filter((kind) => isServed(kind, views)));
}

function isServed(kind: CustomKind, crds: CustomResourceDefinitionView[]): boolean {
  return crds.find((crd) => crd.name === kind.definedBy)?.versions.find((v) => v.name === kind.version)?.served === true;
}

/** The kind objects of `kindName` are stored as (the storage version), when a CRD defines it. */
export function findCustomKind(kindName: string): CustomKind | undefined {
  return customKinds.find((kind) => kind.kind === kindName && `${kind.group}/${kind.version}` === kind.storageApiVersion);
}

/** The custom kinds served now. */
export function servedCustomKinds(): readonly CustomKind[] {
  return customKinds;
}

/** NamesAccepted and Established of a CRD, as the apiserver sets them, for the CRD as last synced. */
export function crdConditions(crdName: string, now: string): Condition[] {
  const verdict = verdicts.get(crdName);
  if (!verdict) return [];
  return [
    { type: 'NamesAccepted', status: verdict.accepted ? 'True' : 'False', reason: verdict.reason, message: verdict.message, lastTransitionTime: now },
    verdict.accepted
      ? { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted', lastTransitionTime: now }
      : { type: 'Established', status: 'False', reason: 'NotAccepted', message: `not all names are accepted: ${verdict.message}`, lastTransitionTime: now },
  ];
}

/** The object with its custom kind's schema defaults filled in (as the apiserver defaults on write); other kinds' objects as they are. */
export function withCustomDefaults<T extends Resource>(object: T, kind: KindDefinition): T {
  const defaults = (kind as Partial<CustomKind>).applyDefaults;
  if (!defaults || kind.definedBy === undefined) return object;
  const copy = structuredClone(object);
  defaults(copy);
  return copy;
}
