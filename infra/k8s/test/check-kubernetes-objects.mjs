// Checks Kubernetes objects (a JSON array on stdin) against the Kubernetes API's schemas and prints
// a JSON array of problems ({ object, path, message }), empty when every object is valid.
//  - types, required fields, formats: the OpenAPI schemas of the API, compiled to ajv validators
//    by the kubernetes-models package;
//  - unknown fields (a misspelt `readinessprobe` the API server would drop): the field lists of
//    @kubernetes/client-node's generated models, as `kubectl --validate=strict` would refuse them.
// ES module (both packages are ESM only), run with node by infra/k8s/kustomize-manifests.int.spec.ts.
import * as clientNode from '@kubernetes/client-node';

const PRIMITIVES = new Set(['string', 'number', 'boolean', 'Date', 'any', 'object', 'IntOrString']);

function groupAndVersion(apiVersion) {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** kubernetes-models' class of an apiVersion and kind: `kubernetes-models/apps/v1/Deployment`. */
async function modelClass(apiVersion, kind) {
  const { group, version } = groupAndVersion(apiVersion);
  const module = await import(`kubernetes-models/${group ? `${group}/` : ''}${version}/${kind}`);
  return module[kind];
}

/** client-node's model name of an apiVersion and kind: V1Deployment, V2HorizontalPodAutoscaler. */
function clientModelName(apiVersion, kind) {
  const { version } = groupAndVersion(apiVersion);
  return `${version[0].toUpperCase()}${version.slice(1)}${kind}`;
}

function unknownFields(value, typeName, path, problems) {
  if (value === null || value === undefined || PRIMITIVES.has(typeName)) return;
  const array = /^Array<(.+)>$/.exec(typeName);
  if (array) {
    if (Array.isArray(value)) value.forEach((item, index) => unknownFields(item, array[1], `${path}/${index}`, problems));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(typeName);
  if (map) {
    if (typeof value === 'object') for (const [key, item] of Object.entries(value)) unknownFields(item, map[1], `${path}/${key}`, problems);
    return;
  }
  const model = clientNode[typeName];
  if (!model || !Array.isArray(model.attributeTypeMap) || typeof value !== 'object' || Array.isArray(value)) return;
  const fields = new Map(model.attributeTypeMap.map((attribute) => [attribute.baseName, attribute.type]));
  for (const [key, item] of Object.entries(value)) {
    if (!fields.has(key)) problems.push({ path: `${path}/${key}`, message: `unknown field "${key}" (${typeName})` });
    else unknownFields(item, fields.get(key), `${path}/${key}`, problems);
  }
}

async function check(object) {
  const name = `${object.kind}/${object.metadata?.name ?? '?'}`;
  const problems = [];
  let Model;
  try {
    Model = await modelClass(object.apiVersion, object.kind);
  } catch {
    return [{ object: name, path: '', message: `no schema for ${object.apiVersion} ${object.kind}` }];
  }
  try {
    new Model(object).validate();
  } catch (error) {
    for (const detail of error.errors ?? [{ instancePath: '', message: error.message }]) {
      problems.push({ path: detail.instancePath, message: `${detail.message}${detail.params ? ` ${JSON.stringify(detail.params)}` : ''}` });
    }
  }
  const clientModel = clientModelName(object.apiVersion, object.kind);
  if (!clientNode[clientModel]) problems.push({ path: '', message: `no field list for ${clientModel}` });
  else unknownFields(object, clientModel, '', problems);
  return problems.map((problem) => ({ object: name, ...problem }));
}

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const objects = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const problems = (await Promise.all(objects.map(check))).flat();
process.stdout.write(JSON.stringify(problems));
