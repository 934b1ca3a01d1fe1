// A controller written the way Kubernetes users write them in Node, with @kubernetes/client-node
// 1.x and nothing of Kastra: an informer over widgets.example.com (list + watch) and a status
// merge-patch per change. It runs against Kastra's gateway unchanged.
// Environment: KUBE_SERVER (the gateway), KUBE_TOKEN (a bearer token).
import * as k8s from '@kubernetes/client-node';

const [group, version, plural] = ['example.com', 'v1', 'widgets'];
const kc = new k8s.KubeConfig();
kc.loadFromOptions({
  clusters: [{ name: 'kastra', server: process.env.KUBE_SERVER, skipTLSVerify: true }],
  users: [{ name: 'controller', token: process.env.KUBE_TOKEN }],
  contexts: [{ name: 'kastra', cluster: 'kastra', user: 'controller' }],
  currentContext: 'kastra',
});
const api = kc.makeApiClient(k8s.CustomObjectsApi);

async function reconcile(widget) {
  const { name, namespace, generation } = widget.metadata;
  if (widget.status?.observedGeneration === generation) return; // already done for this spec
  const ready = typeof widget.spec?.size === 'number' && widget.spec.size > 0;
  const status = {
    observedGeneration: generation,
    conditions: [
      {
        type: 'Ready',
        status: ready ? 'True' : 'False',
        reason: ready ? 'Sized' : 'NoSize',
        message: ready ? `a widget of size ${widget.spec.size}` : 'spec.size must be above 0',
        lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      },
    ],
  };
  await api.patchNamespacedCustomObjectStatus(
    { group, version, namespace, plural, name, body: { status } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
  console.log(JSON.stringify({ msg: 'reconciled', name, namespace, generation, ready }));
}

const informer = k8s.makeInformer(kc, `/apis/${group}/${version}/${plural}`, () => api.listClusterCustomObject({ group, version, plural }));
const handle = (widget) => reconcile(widget).catch((error) => console.error(JSON.stringify({ msg: 'reconcile failed', name: widget.metadata?.name, err: String(error?.body ?? error) })));
informer.on('add', handle);
informer.on('update', handle);
informer.on('error', (error) => {
  console.error(JSON.stringify({ msg: 'informer error; restarting', err: String(error) }));
  setTimeout(() => informer.start(), 1000);
});
await informer.start();
console.log(JSON.stringify({ msg: 'informer started' }));
process.on('SIGTERM', () => {
  informer.stop();
  process.exit(0);
});
