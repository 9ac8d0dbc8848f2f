import { describe, expect, it } from 'vitest';
import { shellEnvironment } from './shell.ts';

describe('shellEnvironment', () => {
  const req = { clusterEnv: { PATH: '/data/clusters/c1/bin', KUBECONFIG: '/data/clusters/c1/kubeconfig', 'BAD NAME': 'x' } } as unknown as Parameters<typeof shellEnvironment>[0];

  it('puts the cluster wrappers (helm through the simulated internet) before the plain tools', () => {
    const env = shellEnvironment(req, '/home/learner', ['/project/.meshlab/tools']);
    expect(env.PATH).toBe('/data/clusters/c1/bin:/project/.meshlab/tools:/usr/local/bin:/usr/bin:/bin');
  });

  it('passes only well-formed names from the cluster environment and none of the server environment', () => {
    process.env.MESHLAB_TEST_SECRET = 'hunter2';
    const env = shellEnvironment(req, '/home/learner', []);
    expect(env.KUBECONFIG).toBe('/data/clusters/c1/kubeconfig');
    expect(env['BAD NAME']).toBeUndefined();
    expect(Object.values(env)).not.toContain('hunter2');
    delete process.env.MESHLAB_TEST_SECRET;
  });

  it("sets MESHLAB_LANG from the page's language, so `meshlab explain` answers in it", () => {
    expect(shellEnvironment({ ...req, lang: 'zh' }, '/home/learner', []).MESHLAB_LANG).toBe('zh');
    expect(shellEnvironment(req, '/home/learner', []).MESHLAB_LANG).toBeUndefined();
  });
});
