import * as fs from 'node:fs';
import * as path from 'node:path';
import { createKubectl, type Kubectl } from '@kastra/testing';
import { main } from '../../../tools/cli/src/main';
import { recordingContext } from '../../../tools/cli/src/test-context';
import { startGateway, type GatewayProcess } from './gateway-process';

/** Existing Kubernetes RBAC YAML, applied as is: vic views team-a. */
const VIEW_BINDING = `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: vic-view
  namespace: team-a
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
- kind: User
  apiGroup: rbac.authorization.k8s.io
  name: vic
`;

const llm = (namespace: string, name: string) => `apiVersion: mastra.ai/v1
kind: LLM
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
  provider: mock
  model: m
`;

describe('Kubernetes RBAC driven by kubectl and kastra token', () => {
  let gateway: GatewayProcess;
  let ann: Kubectl;
  let vic: Kubectl;

  /** kubectl as the holder of `token`, in a home of its own (kubectl caches discovery there) with the gateway's CA. */
  function kubectlFor(name: string, token: string): Kubectl {
    const home = path.join(gateway.home, 'users', name);
    fs.mkdirSync(path.join(home, 'tls'), { recursive: true });
    fs.copyFileSync(path.join(gateway.home, 'tls', 'ca.crt'), path.join(home, 'tls', 'ca.crt'));
    return createKubectl({ home, httpsPort: Number(new URL(gateway.httpsUrl).port), token, timeoutMs: 60000 });
  }

  const canI = async (who: Kubectl, args: string[]) => {
    const result = await who.run(['auth', 'can-i', ...args]);
    // "yes" or "no" on stdout; anything else (an error) is shown as is
    return result.stdout.trim() || result.stderr.trim();
  };

  beforeAll(async () => {
    gateway = await startGateway();
    // ann's token and RoleBinding come from the CLI, through the gateway
    const ctx = recordingContext({ KASTRA_HOME: gateway.home }, gateway.home);
    const code = await main(['token', '--user', 'ann', '--namespace', 'team-a', '--server', gateway.httpUrl], ctx);
    expect({ code, err: ctx.err }).toEqual({ code: 0, err: 'rolebinding.rbac.authorization.k8s.io/ann-edit in namespace team-a: ann may edit it\n' });
    ann = kubectlFor('ann', ctx.out.trim());
    vic = kubectlFor('vic', gateway.token('user', 'vic'));
    fs.writeFileSync(path.join(gateway.home, 'vic-view.yaml'), VIEW_BINDING);
    expect(await gateway.kubectl(['apply', '-f', path.join(gateway.home, 'vic-view.yaml')])).toMatchObject({ code: 0 });
    fs.writeFileSync(path.join(gateway.home, 'admin-llm.yaml'), llm('team-b', 'keyed'));
    expect(await gateway.kubectl(['apply', '-f', path.join(gateway.home, 'admin-llm.yaml')])).toMatchObject({ code: 0 });
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('shows the built-in ClusterRoles and the bindings written by kastra token and kubectl apply', async () => {
    const roles = await gateway.kubectl(['get', 'clusterroles', '-o', 'name']);
    expect(roles.code).toBe(0);
    expect(roles.stdout.split('\n')).toEqual(expect.arrayContaining(['clusterrole.rbac.authorization.k8s.io/cluster-admin', 'clusterrole.rbac.authorization.k8s.io/admin', 'clusterrole.rbac.authorization.k8s.io/edit', 'clusterrole.rbac.authorization.k8s.io/view']));
    const bindings = await gateway.kubectl(['get', 'rolebindings', '-n', 'team-a', '-o', 'name']);
    expect(bindings.stdout.trim().split('\n').sort()).toEqual(['rolebinding.rbac.authorization.k8s.io/ann-edit', 'rolebinding.rbac.authorization.k8s.io/vic-view']);
  });

  it('answers kubectl auth can-i for an admin, an edit user in and outside its namespace, and a view user', async () => {
    // admin
    expect(await canI({ run: gateway.kubectl } as Kubectl, ['*', '*', '--all-namespaces'])).toBe('yes');
    expect(await canI({ run: gateway.kubectl } as Kubectl, ['delete', 'clusterrolebindings'])).toBe('yes');
    // edit in team-a
    expect(await canI(ann, ['create', 'llms', '-n', 'team-a'])).toBe('yes');
    expect(await canI(ann, ['patch', 'agents', '-n', 'team-a'])).toBe('yes');
    expect(await canI(ann, ['create', 'secrets', '-n', 'team-a'])).toBe('yes');
    expect(await canI(ann, ['get', 'secrets', '-n', 'team-a'])).toBe('no');
    expect(await canI(ann, ['create', 'workflows', '--subresource', 'execute', '-n', 'team-a'])).toBe('yes');
    expect(await canI(ann, ['create', 'rolebindings', '-n', 'team-a'])).toBe('no');
    // edit outside its namespace
    expect(await canI(ann, ['create', 'llms', '-n', 'team-b'])).toBe('no');
    expect(await canI(ann, ['list', 'llms', '--all-namespaces'])).toBe('no');
    // view
    expect(await canI(vic, ['list', 'agents', '-n', 'team-a'])).toBe('yes');
    expect(await canI(vic, ['create', 'agents', '-n', 'team-a'])).toBe('no');
    expect(await canI(vic, ['get', 'secrets', '-n', 'team-a'])).toBe('no');
    // --list answers from SelfSubjectRulesReview
    const listed = await ann.run(['auth', 'can-i', '--list', '-n', 'team-a']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/llms\.mastra\.ai/);
  });

  it('answers kubectl auth whoami with the user and its groups', async () => {
    const whoami = await ann.run(['auth', 'whoami', '-o', 'json']);
    expect(whoami.code).toBe(0);
    expect(JSON.parse(whoami.stdout)).toMatchObject({ kind: 'SelfSubjectReview', status: { userInfo: { username: 'ann', groups: ['system:authenticated'] } } });
  });

  it("refuses a user's kubectl create, patch and delete outside its namespaces with 403, writing nothing", async () => {
    // Given the admin's LLM in team-b as it is
    const before = await gateway.kubectl(['get', 'llm', 'keyed', '-n', 'team-b', '-o', 'json']);
    fs.writeFileSync(path.join(gateway.home, 'planted.yaml'), llm('team-b', 'planted'));
    // When ann creates, patches and deletes there
    const created = await ann.run(['create', '-f', path.join(gateway.home, 'planted.yaml')]);
    const patched = await ann.run(['patch', 'llm', 'keyed', '-n', 'team-b', '--type', 'merge', '-p', '{"spec":{"model":"evil"}}']);
    const deleted = await ann.run(['delete', 'llm', 'keyed', '-n', 'team-b']);
    // Then each fails with the apiserver's Forbidden (kubectl patch reads the object first, so its get is refused)
    for (const [result, verb] of [[created, 'create'], [patched, 'get'], [deleted, 'delete']] as const) {
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(new RegExp(`Error from server \\(Forbidden\\).*User "ann" cannot ${verb} resource "llms" in API group "mastra.ai" in the namespace "team-b"`));
    }
    // And nothing was written
    const after = await gateway.kubectl(['get', 'llm', 'keyed', '-n', 'team-b', '-o', 'json']);
    expect(JSON.parse(after.stdout)).toEqual(JSON.parse(before.stdout));
    expect((await gateway.kubectl(['get', 'llm', 'planted', '-n', 'team-b'])).stderr).toContain('NotFound');
    // While in team-a the same commands work
    fs.writeFileSync(path.join(gateway.home, 'own.yaml'), llm('team-a', 'own'));
    expect(await ann.run(['create', '-f', path.join(gateway.home, 'own.yaml')])).toMatchObject({ code: 0 });
    expect(await ann.run(['delete', 'llm', 'own', '-n', 'team-a'])).toMatchObject({ code: 0 });
  });

  it('refuses a view user any write, and an edit user binding itself cluster-admin', async () => {
    fs.writeFileSync(path.join(gateway.home, 'viewer.yaml'), llm('team-a', 'viewer-made'));
    const viewerWrite = await vic.run(['apply', '-f', path.join(gateway.home, 'viewer.yaml')]);
    expect(viewerWrite.code).not.toBe(0);
    expect(viewerWrite.stderr).toContain('Forbidden');
    const escalation = await ann.run(['create', 'rolebinding', 'ann-root', '--clusterrole=cluster-admin', '--user=ann', '-n', 'team-a']);
    expect(escalation.code).not.toBe(0);
    expect(escalation.stderr).toMatch(/forbidden: User "ann" cannot create resource "rolebindings"/);
    expect((await gateway.kubectl(['get', 'rolebinding', 'ann-root', '-n', 'team-a'])).stderr).toContain('NotFound');
  });
});
