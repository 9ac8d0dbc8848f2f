// helm v4 installs and upgrades with server-side apply; a local chart renders a
// ServiceAccount, Role, RoleBinding, ConfigMap and Deployment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { helmRunner, kubectlRunner, type RunResult } from './testing/kubectl.ts';
import { startTestApiServer, type TestApiServer } from './testing/server.ts';

const chart = join(import.meta.dirname, 'testdata', 'chart');
let t: TestApiServer;
let helm: (args: string[]) => Promise<RunResult>;

beforeAll(async () => {
  t = await startTestApiServer();
  helm = helmRunner(t.kubeconfigPath, t.dir);
});

afterAll(async () => {
  await t?.close();
});

describe('helm', () => {
  it('install, upgrade, list and uninstall a local chart', async () => {
    const install = await helm(['install', 'demo', chart, '-n', 'default']);
    expect(install.stderr).toBe('');
    expect(install.code).toBe(0);
    expect(install.stdout).toMatch(/^STATUS: deployed$/m);
    expect(t.store.get('apps/deployments', 'default', 'demo')).toBeDefined();
    expect(t.store.get('rbac.authorization.k8s.io/rolebindings', 'default', 'demo')).toBeDefined();
    // helm keeps releases in Secrets of type helm.sh/release.v1.
    expect(t.store.list('secrets', 'default').items.some((s: any) => s.type === 'helm.sh/release.v1')).toBe(true);

    const upgrade = await helm(['upgrade', 'demo', chart, '-n', 'default', '--set', 'replicas=3']);
    expect(upgrade.stderr).toBe('');
    expect(upgrade.code).toBe(0);
    expect(upgrade.stdout).toMatch(/^REVISION: 2$/m);
    expect((t.store.get('apps/deployments', 'default', 'demo') as any).spec.replicas).toBe(3);
    expect((t.store.get('configmaps', 'default', 'demo-config') as any).data).toEqual({ replicas: '3' });

    const list = await helm(['list', '-n', 'default']);
    expect(list.stdout).toMatch(/^demo\s+default\s+2\s+/m);

    const kubectl = kubectlRunner(t.kubeconfigPath, t.dir);
    const rb = await kubectl(['get', 'rolebinding', 'demo', '-o', 'wide']);
    expect(rb.stdout.split('\n')[0]!.split(/\s{3,}/)).toEqual(['NAME', 'ROLE', 'AGE', 'USERS', 'GROUPS', 'SERVICEACCOUNTS']);
    // rbac SubjectsStrings: a ServiceAccount without namespace prints its bare name.
    expect(rb.stdout.split('\n')[1]!.trim().split(/\s{3,}/)).toEqual(['demo', 'Role/demo', expect.stringMatching(/^\d+s$/), 'demo']);

    const uninstall = await helm(['uninstall', 'demo', '-n', 'default']);
    expect(uninstall.code).toBe(0);
    expect(uninstall.stdout).toContain('release "demo" uninstalled');
    expect(t.store.get('apps/deployments', 'default', 'demo')).toBeUndefined();
  });
});
