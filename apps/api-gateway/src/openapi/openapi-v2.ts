import { SERVER_GIT_VERSION } from '../discovery/discovery-documents';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * `GET /openapi/v2`: the Swagger 2.0 form of the OpenAPI v3 documents (all group-versions in one,
 * as the apiserver serves it), for tools that still ask for v2. Converted, not written twice:
 * `#/components/schemas/X` becomes `#/definitions/X`, a `requestBody` a `body` parameter, a
 * parameter's `schema` its inline type, a response's `content` its `schema` plus `produces`.
 */
export function swaggerV2(documents: readonly Json[]): Json {
  const paths: Record<string, Json> = {};
  const definitions: Record<string, Json> = {};
  for (const document of documents) {
    Object.assign(definitions, rewrite(document.components?.schemas ?? {}));
    for (const [path, item] of Object.entries((document.paths ?? {}) as Record<string, Json>)) paths[path] = pathItem(item);
  }
  return {
    swagger: '2.0',
    info: { title: 'Kastra', version: SERVER_GIT_VERSION },
    paths,
    definitions,
    securityDefinitions: { BearerToken: { type: 'apiKey', name: 'authorization', in: 'header', description: 'Bearer Token authentication' } },
    security: [{ BearerToken: [] }],
  };
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];

function pathItem(item: Json): Json {
  const out: Json = {};
  if (Array.isArray(item.parameters) && item.parameters.length > 0) out.parameters = item.parameters.map(parameter);
  for (const method of METHODS) if (item[method]) out[method] = operation(item[method]);
  return out;
}

function operation(op: Json): Json {
  const { requestBody, responses, parameters, ...rest } = op;
  const out: Json = { ...rest, schemes: ['https'] };
  const params = (Array.isArray(parameters) ? parameters : []).map(parameter);
  if (requestBody?.content) {
    const types = Object.keys(requestBody.content);
    out.consumes = types;
    params.push({ name: 'body', in: 'body', required: requestBody.required === true, schema: rewrite(requestBody.content[types[0]].schema ?? {}) });
  }
  if (params.length > 0) out.parameters = params;
  const produces = new Set<string>();
  out.responses = Object.fromEntries(
    Object.entries((responses ?? {}) as Record<string, Json>).map(([code, response]) => {
      const types = Object.keys(response.content ?? {});
      types.forEach((type) => produces.add(type));
      const schema = types.length > 0 ? response.content[types[0]].schema : undefined;
      return [code, { description: response.description ?? '', ...(schema ? { schema: rewrite(schema) } : {}) }];
    }),
  );
  if (produces.size > 0) out.produces = [...produces];
  return out;
}

/** A v3 parameter `{name, in, schema: {type}}` as v2 writes it: `{name, in, type}`. */
function parameter(p: Json): Json {
  const { schema, ...rest } = p;
  return { ...rest, ...(schema ? rewrite(schema) : { type: 'string' }) };
}

/** References into `definitions`; `nullable` (v3 only) as `x-nullable`. */
function rewrite(value: Json): Json {
  if (Array.isArray(value)) return value.map(rewrite) as unknown as Json;
  if (value === null || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key === '$ref' && typeof inner === 'string') out.$ref = inner.replace('#/components/schemas/', '#/definitions/');
    else if (key === 'nullable') out['x-nullable'] = inner;
    else out[key] = rewrite(inner as Json);
  }
  return out;
}
