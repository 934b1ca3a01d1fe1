import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { SERVICE_NODE_FLAGS, SERVICE_PORTS, type ServiceName } from '@kastra/config';
import { parseMasterKey } from '@kastra/secrets';
import { objectNamed, objectsOfKind, renderKustomization, schemaProblems, type KubernetesObject } from './test/rendered-manifests';

// Renders every kustomization with the real kubectl (kustomize v5) and checks what a cluster and
// its operators rely on: valid objects, probes on the right ports, hardened pods, pinned images.
const SERVICES = Object.keys(SERVICE_PORTS) as ServiceName[];
const KASTRA_IMAGE = /^(kastra|registry\.example\.com\/kastra\/kastra)(:|@)/;

// The dev overlay's secrets are generated per clone (git-ignored), as a user's first step.
execFileSync(process.execPath, [path.join(__dirname, 'overlays/dev/generate-secrets.js')]);

const rendered = {
  base: renderKustomization('infra/k8s/base'),
  dev: renderKustomization('infra/k8s/overlays/dev'),
  production: renderKustomization('infra/k8s/overlays/production'),
  default: renderKustomization('infra/k8s'),
};

function kastraDeployments(objects: KubernetesObject[]): KubernetesObject[] {
  return objectsOfKind(objects, 'Deployment').filter((deployment) => SERVICES.includes(deployment.metadata.name as ServiceName));
}

function containerOf(deployment: KubernetesObject) {
  return deployment.spec.template.spec.containers[0];
}

function envValue(container: { env?: Array<{ name: string; value?: string }> }, name: string): string | undefined {
  return container.env?.find((entry) => entry.name === name)?.value;
}

function containerPortNamed(container: { ports: Array<{ name: string; containerPort: number }> }, name: string | number): number | undefined {
  return typeof name === 'number' ? name : container.ports.find((port) => port.name === name)?.containerPort;
}

describe.each(Object.keys(rendered) as Array<keyof typeof rendered>)('kubectl kustomize (%s)', (variant) => {
  const objects = rendered[variant];

  it('renders objects that all pass the Kubernetes API schemas, with no unknown field', () => {
    expect(objects.length).toBeGreaterThan(10);
    expect(schemaProblems(objects)).toEqual([]);
  });

  it('has a Deployment and a Service for every service, probed on the port the service listens on', () => {
    for (const service of SERVICES) {
      const deployment = objectNamed(objects, 'Deployment', service);
      const container = containerOf(deployment);
      expect(container.command).toEqual(['node', ...SERVICE_NODE_FLAGS[service], `dist/apps/${service}/src/main.js`]);
      expect(envValue(container, 'PORT')).toBe(String(SERVICE_PORTS[service]));
      expect(containerPortNamed(container, container.livenessProbe.httpGet.port)).toBe(SERVICE_PORTS[service]);
      expect(containerPortNamed(container, container.readinessProbe.httpGet.port)).toBe(SERVICE_PORTS[service]);
      expect(containerPortNamed(container, container.startupProbe.httpGet.port)).toBe(SERVICE_PORTS[service]);
      expect(container.livenessProbe.httpGet.path).toBe('/healthz');
      expect(container.startupProbe.httpGet.path).toBe('/healthz');
      expect(container.readinessProbe.httpGet.path).toBe('/readyz');
      expect(container.resources.requests).toEqual(expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }));
      expect(container.resources.limits).toEqual(expect.objectContaining({ memory: expect.any(String) }));

      const selector = deployment.spec.selector.matchLabels as Record<string, string>;
      expect(deployment.spec.template.metadata.labels).toEqual(expect.objectContaining(selector));
      const kubeService = objectNamed(objects, 'Service', service);
      expect(deployment.spec.template.metadata.labels).toEqual(expect.objectContaining(kubeService.spec.selector));
      for (const port of kubeService.spec.ports) expect(containerPortNamed(container, port.targetPort)).toBe(port.port);
    }
    const gateway = containerOf(objectNamed(objects, 'Deployment', 'api-gateway'));
    expect(envValue(gateway, 'HTTPS_PORT')).toBe(String(containerPortNamed(gateway, 'https')));
    expect(envValue(gateway, 'GRPC_PORT')).toBe(String(containerPortNamed(gateway, 'grpc')));
  });

  it('runs every Kastra pod as non-root with a read-only root filesystem and no capabilities', () => {
    for (const deployment of kastraDeployments(objects)) {
      const pod = deployment.spec.template.spec;
      const container = containerOf(deployment);
      expect(pod.securityContext).toEqual(expect.objectContaining({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }));
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      expect(pod.automountServiceAccountToken).toBe(false);
      // The services write only KASTRA_HOME (development secrets) and /tmp: both must be writable.
      const mounts = (container.volumeMounts as Array<{ mountPath: string }>).map((mount) => mount.mountPath);
      expect(mounts).toEqual(expect.arrayContaining(['/var/lib/kastra', '/tmp']));
      expect(container.envFrom).toEqual([{ configMapRef: { name: expect.stringMatching(/^kastra-config/) } }]);
    }
  });

  it('has no privileged pod, no host namespace or path, and grants no cluster role', () => {
    for (const deployment of objectsOfKind(objects, 'Deployment')) {
      const pod = deployment.spec.template.spec;
      expect([pod.hostNetwork, pod.hostPID, pod.hostIPC]).toEqual([undefined, undefined, undefined]);
      expect((pod.volumes ?? []).filter((volume: { hostPath?: unknown }) => volume.hostPath)).toEqual([]);
      for (const container of pod.containers) {
        expect(container.securityContext?.privileged ?? false).toBe(false);
        expect(container.securityContext?.allowPrivilegeEscalation).toBe(false);
      }
    }
    expect(objects.filter((object) => ['ClusterRole', 'ClusterRoleBinding'].includes(object.kind))).toEqual([]);
    for (const binding of objectsOfKind(objects, 'RoleBinding')) expect(binding.roleRef.name).not.toMatch(/admin/);
  });

  it('gives the pods the master key and JWT secret from one Secret, and the servers from one ConfigMap', () => {
    const config = objectsOfKind(objects, 'ConfigMap').find((map) => map.metadata.name.startsWith('kastra-config'));
    expect(Object.keys(config!.data)).toEqual(expect.arrayContaining(['DATABASE_URL', 'NATS_URL', 'REDIS_URL', 'KASTRA_NATS_PREFIX', 'KASTRA_HOME']));
    expect(config!.data.KASTRA_BIND).toBe('0.0.0.0');
    // The Postgres password travels as PGPASSWORD from the Secret, never in the ConfigMap.
    expect(new URL(config!.data.DATABASE_URL).password).toBe('');
    for (const deployment of kastraDeployments(objects)) {
      const refs = Object.fromEntries(
        (containerOf(deployment).env as Array<{ name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>)
          .filter((entry) => entry.valueFrom?.secretKeyRef)
          .map((entry) => [entry.name, entry.valueFrom!.secretKeyRef!.key]),
      );
      expect(refs).toEqual({ KASTRA_MASTER_KEY: 'master-key', KASTRA_JWT_SECRET: 'jwt-secret', PGPASSWORD: 'postgres-password' });
      const secretNames = new Set(containerOf(deployment).env.filter((entry: { valueFrom?: unknown }) => entry.valueFrom).map((entry: { valueFrom: { secretKeyRef: { name: string } } }) => entry.valueFrom.secretKeyRef.name));
      expect(secretNames.size).toBe(1);
    }
  });

  it('autoscales only Deployments it renders, never below one replica', () => {
    for (const hpa of objectsOfKind(objects, 'HorizontalPodAutoscaler')) {
      expect(objectNamed(objects, 'Deployment', hpa.spec.scaleTargetRef.name)).toBeDefined();
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(1);
      expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    }
  });
});

describe('overlays', () => {
  it('infra/k8s renders the dev overlay', () => {
    expect(rendered.default).toEqual(rendered.dev);
  });

  it('pin the image of every service; the base leaves it to them', () => {
    for (const deployment of kastraDeployments(rendered.base)) expect(containerOf(deployment).image).toBe('kastra');
    for (const variant of ['dev', 'production'] as const) {
      for (const deployment of kastraDeployments(rendered[variant])) {
        const image = containerOf(deployment).image as string;
        expect(image).toMatch(KASTRA_IMAGE);
        expect(image).not.toMatch(/:latest$/);
      }
    }
    expect(containerOf(objectNamed(rendered.production, 'Deployment', 'api-gateway')).image).toBe('registry.example.com/kastra/kastra:0.1.0');
  });

  it('dev generates usable development secrets; production ships none (they are created in the cluster)', () => {
    const [secret] = objectsOfKind(rendered.dev, 'Secret');
    expect(secret.metadata.labels?.['kastra.dev/development-only']).toBe('true');
    const decoded = (key: string) => Buffer.from(secret.data[key], 'base64').toString('utf8');
    expect(parseMasterKey(decoded('master-key'), 'dev overlay').length).toBe(32);
    expect(decoded('jwt-secret').length).toBeGreaterThanOrEqual(32);
    for (const deployment of kastraDeployments(rendered.dev)) {
      expect(containerOf(deployment).env.find((entry: { name: string }) => entry.name === 'KASTRA_MASTER_KEY').valueFrom.secretKeyRef.name).toBe(secret.metadata.name);
    }
    expect(objectsOfKind(rendered.production, 'Secret')).toEqual([]);
  });

  it('production runs more replicas of every service, with disruption budgets', () => {
    for (const service of SERVICES) {
      const production = objectNamed(rendered.production, 'Deployment', service).spec.replicas as number;
      expect(production).toBeGreaterThanOrEqual(2);
      expect(production).toBeGreaterThan(objectNamed(rendered.dev, 'Deployment', service).spec.replicas);
      const budget = objectNamed(rendered.production, 'PodDisruptionBudget', service);
      expect(objectNamed(rendered.production, 'Deployment', service).spec.template.metadata.labels).toEqual(expect.objectContaining(budget.spec.selector.matchLabels));
      const hpa = rendered.production.find((object) => object.kind === 'HorizontalPodAutoscaler' && object.metadata.name === service);
      if (hpa) expect(hpa.spec.minReplicas).toBe(production);
    }
  });

  it('production denies ingress to Kastra pods except the public API ports and in-cluster scraping', () => {
    const policies = objectsOfKind(rendered.production, 'NetworkPolicy');
    const denyAll = policies.find((policy) => policy.spec.ingress === undefined);
    expect(denyAll?.spec).toEqual({ podSelector: { matchLabels: { 'app.kubernetes.io/part-of': 'kastra' } }, policyTypes: ['Ingress'] });
    for (const deployment of kastraDeployments(rendered.production)) {
      expect(deployment.spec.template.metadata.labels['app.kubernetes.io/part-of']).toBe('kastra');
    }
    const publicPolicy = policies.find((policy) => policy.spec.ingress?.some((rule: { from?: unknown }) => rule.from === undefined));
    expect(publicPolicy?.spec.podSelector.matchExpressions[0].values.sort()).toEqual(['api-gateway', 'llm-proxy']);
    expect(objectsOfKind(rendered.dev, 'NetworkPolicy')).toEqual([]);
  });

  it('production serves the gateway with the certificate of the kastra-gateway-tls Secret', () => {
    const gateway = objectNamed(rendered.production, 'Deployment', 'api-gateway');
    const container = containerOf(gateway);
    expect(gateway.spec.template.spec.volumes).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'gateway-tls', secret: expect.objectContaining({ secretName: 'kastra-gateway-tls' }) })]));
    const mount = container.volumeMounts.find((entry: { name: string }) => entry.name === 'gateway-tls');
    expect(envValue(container, 'KASTRA_TLS_CERT')).toBe(`${mount.mountPath}/tls.crt`);
    expect(envValue(container, 'KASTRA_TLS_KEY')).toBe(`${mount.mountPath}/tls.key`);
  });
});

describe('the schema check', () => {
  it('refuses wrong types, missing required fields, unknown fields and unknown kinds', () => {
    const broken = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'broken' },
      spec: {
        replicas: 'three',
        selector: { matchLabels: { app: 'broken' } },
        template: { spec: { containers: [{ image: 'kastra', readinessprobe: { httpGet: { path: '/readyz', port: 8080 } } }] } },
      },
    };
    const problems = schemaProblems([broken, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }]);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ object: 'Deployment/broken', path: '/spec/replicas' }),
        expect.objectContaining({ object: 'Deployment/broken', message: expect.stringContaining('"missingProperty":"name"') }),
        expect.objectContaining({ object: 'Deployment/broken', path: '/spec/template/spec/containers/0/readinessprobe', message: expect.stringContaining('unknown field') }),
        expect.objectContaining({ object: 'Widget/w', message: 'no schema for example.com/v1 Widget' }),
      ]),
    );
  });
});
