import * as fs from 'node:fs';
import * as path from 'node:path';
import { startGateway, startGatewayReplica, type GatewayProcess } from './gateway-process';

const DATASOURCE_CRD = `apiVersion: mastra.ai/v1alpha1
kind: CustomResourceDefinition
metadata:
  name: datasources.mastra.ai
spec:
  group: mastra.ai
  version: v1alpha1
  scope: Namespaced
  names:
    kind: DataSource
    plural: datasources
    singular: datasource
    shortNames: [ds]
  subresources:
    status: {}
  additionalPrinterColumns:
    - {name: Type, type: string, jsonPath: .spec.type}
    - {name: URL, type: string, jsonPath: .spec.url}
    - {name: Ready, type: string, jsonPath: '.status.conditions[?(@.type=="Ready")].status'}
  validation:
    openAPIV3Schema:
      type: object
      description: A source of data an agent can read.
      properties:
        spec:
          type: object
          description: Where the data is.
          required: [type, url]
          properties:
            type: {type: string, enum: [http, postgres], description: The kind of source.}
            url: {type: string, pattern: '^(https?|postgres)://', description: Where it is.}
            timeoutSeconds: {type: integer, minimum: 1, maximum: 300, default: 10, description: How long a check may take.}
            secretRef:
              type: object
              description: Credentials in a Secret.
              required: [name]
              properties:
                name: {type: string, description: The Secret.}
                key: {type: string, description: Its key.}
`;

const WIDGET_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names:
    kind: Widget
    plural: widgets
    singular: widget
    shortNames: [wdg]
    listKind: WidgetList
  versions:
    - name: v1
      served: true
      storage: true
      subresources:
        status: {}
      additionalPrinterColumns:
        - {name: Size, type: integer, jsonPath: .spec.size}
        - {name: Color, type: string, jsonPath: .spec.color}
        - {name: Phase, type: string, jsonPath: .status.phase}
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [size]
              properties:
                size: {type: integer, minimum: 1, maximum: 10}
                color: {type: string, minLength: 3, default: grey}
                tags: {type: array, maxItems: 3, items: {type: string}}
                labels: {type: object, additionalProperties: {type: string}}
                extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
            status:
              type: object
              properties:
                phase: {type: string}
`;

const DATASOURCES = `apiVersion: mastra.ai/v1alpha1
kind: DataSource
metadata:
  name: docs
spec:
  type: http
  url: https://example.com/docs
---
apiVersion: mastra.ai/v1alpha1
kind: DataSource
metadata:
  name: warehouse
spec:
  type: postgres
  url: postgres://db.internal/warehouse
  secretRef: {name: warehouse-db, key: url}
`;

const WIDGET = `apiVersion: example.com/v1
kind: Widget
metadata:
  name: sprocket
  labels: {shape: round}
spec:
  size: 3
  color: blue
  tags: [a, b]
  labels: {team: x}
  extra: {anything: {goes: [1, 2]}}
`;

describe('CustomResourceDefinitions driven by kubectl, on two gateway replicas', () => {
  let gateway: GatewayProcess;
  let replica: GatewayProcess;
  let dir: string;

  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };
  const api = (on: GatewayProcess, pathname: string, init: RequestInit = {}) =>
    fetch(`${on.httpUrl}${pathname}`, { ...init, headers: { authorization: `Bearer ${on.token('admin')}`, ...(init.headers as Record<string, string>) } });

  beforeAll(async () => {
    gateway = await startGateway();
    replica = await startGatewayReplica(gateway);
    dir = path.join(gateway.home, 'manifests');
    fs.mkdirSync(dir);
  });

  afterAll(async () => {
    await replica?.stop();
    await gateway?.stop();
  });

  it('applies a mastra.ai/v1alpha1 CRD and a Kubernetes one; both become Established and are listed by api-resources', async () => {
    const applied = await gateway.kubectl(['apply', '-f', write('datasource-crd.yaml', DATASOURCE_CRD), '-f', write('widget-crd.yaml', WIDGET_CRD)]);
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toContain('customresourcedefinition.mastra.ai/datasources.mastra.ai created');
    expect(applied.stdout).toContain('customresourcedefinition.apiextensions.k8s.io/widgets.example.com created');
    const waited = await gateway.kubectl(['wait', '--for=condition=Established', '--timeout=10s', 'crd/widgets.example.com', 'crd/datasources.mastra.ai']);
    expect(waited).toMatchObject({ code: 0 });
    const resources = await gateway.kubectl(['api-resources']);
    expect(resources.stdout).toMatch(/datasources\s+ds\s+mastra\.ai\/v1alpha1\s+true\s+DataSource/);
    expect(resources.stdout).toMatch(/widgets\s+wdg\s+example\.com\/v1\s+true\s+Widget/);
    // The v1alpha1 CRD is stored as apiextensions.k8s.io/v1 and read back in either shape
    const v1 = (await (await api(gateway, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/datasources.mastra.ai')).json()) as Record<string, any>;
    expect(v1.spec.versions[0]).toMatchObject({ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} } });
    expect(v1.status.conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'NamesAccepted', status: 'True' })]));
    const alpha = (await (await api(gateway, '/apis/mastra.ai/v1alpha1/customresourcedefinitions/datasources.mastra.ai')).json()) as Record<string, any>;
    expect(alpha).toMatchObject({ apiVersion: 'mastra.ai/v1alpha1', spec: { version: 'v1alpha1', validation: { openAPIV3Schema: { type: 'object' } } } });
    // Re-applying the same files changes nothing
    const again = await gateway.kubectl(['apply', '-f', path.join(dir, 'datasource-crd.yaml'), '-f', path.join(dir, 'widget-crd.yaml')]);
    expect(again.stdout).toContain('datasources.mastra.ai unchanged');
    expect(again.stdout).toContain('widgets.example.com unchanged');
  });

  it('explains the custom kinds from their schemas', async () => {
    const explained = await gateway.kubectl(['explain', 'datasources.spec']);
    expect(explained.code).toBe(0);
    expect(explained.stdout).toContain('Where the data is.');
    expect(explained.stdout).toMatch(/url\s+<string> -required-/);
    expect(explained.stdout).toMatch(/type\s+<string> -required-/);
    const widget = await gateway.kubectl(['explain', 'widget.spec.size']);
    expect(widget.stdout).toContain('<integer>');
  });

  it('applies valid objects with defaults, prints the printer columns, selects by label', async () => {
    const applied = await gateway.kubectl(['apply', '-f', write('datasources.yaml', DATASOURCES), '-f', write('widget.yaml', WIDGET)]);
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toContain('datasource.mastra.ai/docs created');
    expect(applied.stdout).toContain('widget.example.com/sprocket created');
    const table = await gateway.kubectl(['get', 'ds']);
    const [header, ...rows] = table.stdout.trim().split('\n');
    expect(header.split(/\s+/)).toEqual(['NAME', 'TYPE', 'URL', 'READY', 'AGE']);
    expect(rows.map((row) => row.split(/\s+/).slice(0, 3))).toEqual([
      ['docs', 'http', 'https://example.com/docs'],
      ['warehouse', 'postgres', 'postgres://db.internal/warehouse'],
    ]);
    // The schema's default is filled in on create
    const docs = JSON.parse((await gateway.kubectl(['get', 'datasource', 'docs', '-o', 'json'])).stdout);
    expect(docs.spec.timeoutSeconds).toBe(10);
    // Widgets: columns, preserved free-form fields, a map, a label selector
    const widgets = await gateway.kubectl(['get', 'widgets', '-l', 'shape=round']);
    expect(widgets.stdout.trim().split('\n')[0].split(/\s+/)).toEqual(['NAME', 'SIZE', 'COLOR', 'PHASE', 'AGE']);
    expect(widgets.stdout).toMatch(/sprocket\s+3\s+blue/);
    expect((await gateway.kubectl(['get', 'widgets', '-l', 'shape=square'])).stderr).toContain('No resources found');
    const sprocket = JSON.parse((await gateway.kubectl(['get', 'widget', 'sprocket', '-o', 'json'])).stdout);
    expect(sprocket.spec).toMatchObject({ extra: { anything: { goes: [1, 2] } }, labels: { team: 'x' } });
  });

  it('refuses invalid objects with a 422 naming the field, and stores nothing', async () => {
    const badType = await gateway.kubectl(['apply', '-f', write('bad-ds.yaml', DATASOURCES.split('---')[0].replace('name: docs', 'name: bad').replace('type: http', 'type: ftp'))]);
    expect(badType.code).not.toBe(0);
    expect(badType.stderr).toContain('spec.type');
    expect(badType.stderr).toContain('Unsupported value: "ftp"');
    const noUrl = await gateway.kubectl(['apply', '-f', write('no-url.yaml', 'apiVersion: mastra.ai/v1alpha1\nkind: DataSource\nmetadata: {name: bad}\nspec: {type: http}\n')]);
    expect(noUrl.stderr).toContain('spec.url: Required value');
    const big = await gateway.kubectl(['apply', '-f', write('big.yaml', WIDGET.replace('name: sprocket', 'name: big').replace('size: 3', 'size: 11'))]);
    expect(big.stderr).toContain('spec.size');
    const unknown = await gateway.kubectl(['apply', '-f', write('unknown.yaml', WIDGET.replace('name: sprocket', 'name: odd').replace('color: blue', 'colour: blue'))]);
    expect(unknown.stderr).toContain('spec.colour: Invalid value: unknown field "colour"');
    const many = await gateway.kubectl(['apply', '-f', write('many.yaml', WIDGET.replace('name: sprocket', 'name: many').replace('tags: [a, b]', 'tags: [a, b, c, d]'))]);
    expect(many.stderr).toContain('spec.tags');
    const listed = await gateway.kubectl(['get', 'ds,widgets', '-o', 'name']);
    expect(listed.stdout.trim().split('\n').sort()).toEqual(['datasource.mastra.ai/docs', 'datasource.mastra.ai/warehouse', 'widget.example.com/sprocket']);
  });

  it('applies server-side, and keeps status to its subresource', async () => {
    const ssa = await gateway.kubectl(['apply', '--server-side', '-f', write('gear.yaml', WIDGET.replace('name: sprocket', 'name: gear').replace('size: 3', 'size: 5'))]);
    expect(ssa.stderr).toBe('');
    expect(ssa.stdout).toContain('widget.example.com/gear serverside-applied');
    const gearUrl = '/apis/example.com/v1/namespaces/default/widgets/gear';
    // A status write through the subresource is kept; the spec sent with it is not
    const status = await api(gateway, `${gearUrl}/status`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ spec: { size: 9 }, status: { phase: 'Spinning' } }),
    });
    expect(status.status).toBe(200);
    // A write of the object ignores the status it carries
    const spec = await api(gateway, gearUrl, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ spec: { size: 6 }, status: { phase: 'Stopped' } }),
    });
    expect(spec.status).toBe(200);
    const gear = (await (await api(gateway, gearUrl)).json()) as Record<string, any>;
    expect(gear.spec.size).toBe(6);
    expect(gear.status.phase).toBe('Spinning');
    expect(gear.metadata.generation).toBe(2);
    const table = await gateway.kubectl(['get', 'widget', 'gear']);
    expect(table.stdout).toMatch(/gear\s+6\s+blue\s+Spinning/);
  });

  it('watches a custom kind', async () => {
    const url = '/apis/example.com/v1/namespaces/default/widgets?watch=true&timeoutSeconds=3';
    const watched = api(gateway, url).then((response) => response.text());
    await new Promise((resolve) => setTimeout(resolve, 500));
    await api(gateway, '/apis/example.com/v1/namespaces/default/widgets/sprocket', {
      method: 'PATCH',
      headers: { 'content-type': 'application/json-patch+json' },
      body: JSON.stringify([{ op: 'replace', path: '/spec/size', value: 4 }]),
    });
    const events = (await watched).trim().split('\n').map((line) => JSON.parse(line) as { type: string; object: Record<string, any> });
    expect(events.filter((e) => e.type === 'ADDED').map((e) => e.object.metadata.name).sort()).toEqual(['gear', 'sprocket']);
    expect(events.find((e) => e.type === 'MODIFIED')?.object).toMatchObject({ apiVersion: 'example.com/v1', metadata: { name: 'sprocket' }, spec: { size: 4 } });
  });

  it('serves a kind applied through one replica from the other within a second', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gadgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Cluster',
        names: { kind: 'Gadget', plural: 'gadgets' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { on: { type: 'boolean' } } } } } } }],
      },
    };
    const created = await api(gateway, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(crd) });
    expect(created.status).toBe(201);
    const started = Date.now();
    let served = 0;
    while (Date.now() - started < 5000) {
      served = (await api(replica, '/apis/example.com/v1/gadgets')).status;
      if (served === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(served).toBe(200);
    expect(Date.now() - started).toBeLessThan(1000);
    const gadget = await api(replica, '/apis/example.com/v1/gadgets', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'lamp' }, spec: { on: 'yes' } }),
    });
    expect(gadget.status).toBe(422);
    expect(JSON.stringify(await gadget.json())).toContain('spec.on');
    // The replica's kubectl sees it too
    const resources = await replica.kubectl(['api-resources', '--api-group=example.com']);
    expect(resources.stdout).toMatch(/gadgets\s+example\.com\/v1\s+false\s+Gadget/);
  });

  it('refuses a CRD whose name is not <plural>.<group>, and does not accept a kind name already taken', async () => {
    const misnamed = await gateway.kubectl(['apply', '-f', write('misnamed.yaml', WIDGET_CRD.replace('name: widgets.example.com', 'name: widgets.example.org'))]);
    expect(misnamed.stderr).toContain('metadata.name');
    expect(misnamed.stderr).toContain('widgets.example.com');
    const taken = WIDGET_CRD.replace('name: widgets.example.com', 'name: agents.example.org').replace('group: example.com', 'group: example.org')
      .replace('kind: Widget', 'kind: Agent').replace('plural: widgets', 'plural: agents').replace('singular: widget', 'singular: agent').replace('shortNames: [wdg]', 'shortNames: []').replace('listKind: WidgetList', 'listKind: AgentList');
    expect((await gateway.kubectl(['apply', '-f', write('taken.yaml', taken)])).code).toBe(0);
    const waited = await gateway.kubectl(['wait', '--for=condition=NamesAccepted=False', '--timeout=10s', 'crd/agents.example.org']);
    expect(waited.code).toBe(0);
    const crd = JSON.parse((await gateway.kubectl(['get', 'crd', 'agents.example.org', '-o', 'json'])).stdout);
    expect(crd.status.conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'Established', status: 'False', reason: 'NotAccepted' })]));
    expect((await api(gateway, '/apis/example.org/v1/namespaces/default/agents')).status).toBe(404);
  });

  it('deletes the objects of a deleted CRD and stops serving its kind', async () => {
    const deleted = await gateway.kubectl(['delete', 'crd', 'widgets.example.com']);
    expect(deleted.code).toBe(0);
    expect((await api(gateway, '/apis/example.com/v1/namespaces/default/widgets')).status).toBe(404);
    const resources = await gateway.kubectl(['api-resources', '--api-group=example.com']);
    expect(resources.stdout).not.toContain('widgets');
    // Re-created, the kind has no objects left from before
    await gateway.kubectl(['apply', '-f', path.join(dir, 'widget-crd.yaml')]);
    await gateway.kubectl(['wait', '--for=condition=Established', '--timeout=10s', 'crd/widgets.example.com']);
    const list = (await (await api(gateway, '/apis/example.com/v1/namespaces/default/widgets')).json()) as { kind: string; items: unknown[] };
    expect(list).toMatchObject({ kind: 'WidgetList', items: [] });
  });
});
