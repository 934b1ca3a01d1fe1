import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { Resource } from '@kastra/api';
import { issuePluginToken, JwtAuthority, loadDevelopmentSecrets } from '@kastra/auth';
import { pluginRbacObjects } from '@kastra/rbac';
import { eventually } from '@kastra/testing';
import { startGateway, type GatewayProcess } from '../../apps/api-gateway/test/gateway-process';

/** A Kubernetes CRD file as a Kubernetes project ships it. */
const WIDGET_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', properties: { size: { type: 'integer' } } },
              status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            },
          },
        },
      },
    ],
  },
};

const widget = (namespace: string, name: string, size: number) => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name, namespace }, spec: { size } });

describe('a controller written with @kubernetes/client-node 1.x against the gateway', () => {
  let gateway: GatewayProcess;
  let controller: ChildProcess | undefined;
  let output = '';
  let admin: string;

  /** Server-side apply as `admin`, at the object's own path. */
  const apply = async (object: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }, plural: string) => {
    const base = object.apiVersion.includes('/') ? `/apis/${object.apiVersion}` : `/api/${object.apiVersion}`;
    const scope = object.metadata.namespace ? `/namespaces/${object.metadata.namespace}` : '';
    const response = await fetch(`${gateway.httpUrl}${base}${scope}/${plural}/${encodeURIComponent(object.metadata.name)}?fieldManager=test&force=true`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/apply-patch+yaml' },
      body: JSON.stringify(object),
    });
    if (!response.ok) throw new Error(`apply ${object.kind} ${object.metadata.name}: ${response.status} ${await response.text()}`);
    return (await response.json()) as Resource;
  };
  const getWidget = async (namespace: string, name: string) =>
    (await (await fetch(`${gateway.httpUrl}/apis/example.com/v1/namespaces/${namespace}/widgets/${name}`, { headers: { authorization: `Bearer ${admin}` } })).json()) as Resource;
  const readyOf = (object: Resource) => object.status?.conditions?.find((condition) => condition.type === 'Ready');

  beforeAll(async () => {
    gateway = await startGateway();
    admin = gateway.token('admin');
    await apply(WIDGET_CRD, 'customresourcedefinitions');
    await eventually(async () => (await fetch(`${gateway.httpUrl}/apis/example.com/v1/widgets`, { headers: { authorization: `Bearer ${admin}` } })).ok, 10_000, 100);
    // The controller acts as a plugin: its token's rights cover widgets and their status only.
    for (const object of pluginRbacObjects('widgets', [{ apiGroup: 'example.com', kind: 'Widget', plural: 'widgets' }])) {
      await apply(object as never, object.kind === 'ClusterRole' ? 'clusterroles' : 'clusterrolebindings');
    }
  });

  afterAll(async () => {
    if (controller && controller.exitCode === null) {
      const exited = new Promise((resolve) => controller!.once('exit', resolve));
      controller.kill('SIGTERM');
      await exited;
    }
    await gateway?.stop();
  });

  it('lists and watches the custom kind with its informer and writes status through the status subresource', async () => {
    // Given a widget that exists before the controller starts
    await apply(widget('team-a', 'early', 3), 'widgets');
    // When the client-node controller starts with the plugin's token
    const token = issuePluginToken(new JwtAuthority(loadDevelopmentSecrets(gateway.home).jwtSecret), 'widgets');
    controller = spawn(process.execPath, [path.join(__dirname, 'client-node-widget-controller.mjs')], {
      env: { PATH: process.env.PATH, KUBE_SERVER: gateway.httpUrl, KUBE_TOKEN: token },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    controller.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    controller.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));

    // Then the listed widget gets Ready from the controller
    await eventually(async () => readyOf(await getWidget('team-a', 'early'))?.status === 'True', 20_000, 200).catch((error) => {
      throw new Error(`${String(error)}\ncontroller output:\n${output}`);
    });
    expect(readyOf(await getWidget('team-a', 'early'))).toMatchObject({ reason: 'Sized', message: 'a widget of size 3' });

    // And widgets created and changed afterwards come through the watch, in any namespace
    await apply(widget('team-b', 'late', 0), 'widgets');
    await eventually(async () => readyOf(await getWidget('team-b', 'late'))?.reason === 'NoSize', 20_000, 200);
    await apply(widget('team-b', 'late', 7), 'widgets');
    await eventually(async () => readyOf(await getWidget('team-b', 'late'))?.message === 'a widget of size 7', 20_000, 200);
    const late = await getWidget('team-b', 'late');
    expect(late.status).toMatchObject({ observedGeneration: late.metadata.generation });
    // and the status write did not touch the spec
    expect(late.spec).toEqual({ size: 7 });
    expect(output).not.toContain('reconcile failed');
  });
});
