import { createServer, type Server } from 'node:http';
import { isReady, type Resource } from '@kastra/api';
import { basicAuthOf, withoutCredentials, type DataSourceSpec } from './datasource-check';

/** The most of a data source's answer relayed to an agent. */
const MAX_BODY_BYTES = 256 * 1024;

/**
 * Reads for agents' Tools: `GET /namespaces/NS/datasources/NAME` relays a GET of a Ready http
 * DataSource (its body and content type); a DataSource that is missing or not Ready is a 503
 * saying why, so an agent never reads from a source its controller has not found working.
 * Listens on 127.0.0.1 only.
 */
export function startReadServer(port: number, objectOf: (key: string) => Resource | undefined): Promise<Server> {
  const server = createServer((req, res) => {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const match = /^\/namespaces\/([a-z0-9-]+)\/datasources\/([a-z0-9.-]+)$/.exec((req.url ?? '').split('?')[0]);
    if (req.method !== 'GET' || !match) return answer(404, { error: 'GET /namespaces/NS/datasources/NAME' });
    const [, namespace, name] = match;
    const object = objectOf(`${namespace}/${name}`);
    if (!object) return answer(404, { error: `DataSource ${namespace}/${name} does not exist` });
    if (!isReady(object)) {
      const ready = object.status?.conditions?.find((condition) => condition.type === 'Ready');
      return answer(503, { error: `DataSource ${namespace}/${name} is not Ready${ready?.message ? `: ${ready.message}` : ' yet'}` });
    }
    const spec = object.spec as unknown as DataSourceSpec;
    if (spec.type !== 'http' || !spec.http) return answer(501, { error: `reads of ${spec.type} DataSources are not served; only http` });
    relay(spec.http.url)
      .then(({ status, contentType, body }) => {
        res.writeHead(status, { 'content-type': contentType });
        res.end(body);
      })
      .catch((error: Error) => answer(502, { error: `reading DataSource ${namespace}/${name} failed: ${error.message}` }));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

async function relay(url: string): Promise<{ status: number; contentType: string; body: Buffer }> {
  const response = await fetch(withoutCredentials(url), { headers: basicAuthOf(url), redirect: 'manual', signal: AbortSignal.timeout(10_000) });
  const body = Buffer.from(await response.arrayBuffer());
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? 'application/octet-stream',
    body: body.length > MAX_BODY_BYTES ? body.subarray(0, MAX_BODY_BYTES) : body,
  };
}
