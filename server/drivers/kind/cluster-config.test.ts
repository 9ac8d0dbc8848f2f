import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { kindClusterConfig, kindClusterConfigYaml, validClusterName } from './cluster-config.ts';
import { NODE_IMAGE } from './versions.ts';

describe('kind cluster config', () => {
  const config = parse(kindClusterConfigYaml({ name: 'meshlab', hostPorts: { http: 8080, https: 8443 } }));

  it('is a kind v1alpha4 Cluster with the name', () => {
    expect(config).toMatchObject({ kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4', name: 'meshlab' });
  });

  it('has one control-plane node on the pinned, digest-pinned 1.35 image', () => {
    expect(config.nodes).toHaveLength(1);
    expect(config.nodes[0].role).toBe('control-plane');
    expect(config.nodes[0].image).toBe(NODE_IMAGE);
    expect(NODE_IMAGE).toMatch(/^kindest\/node:v1\.35\.\d+@sha256:[0-9a-f]{64}$/);
  });

  it('maps the gateway node ports to the chosen host ports on loopback', () => {
    expect(config.nodes[0].extraPortMappings).toEqual([
      { containerPort: 30080, hostPort: 8080, listenAddress: '127.0.0.1', protocol: 'TCP' },
      { containerPort: 30443, hostPort: 8443, listenAddress: '127.0.0.1', protocol: 'TCP' },
    ]);
  });

  it('uses another listen address or image only when asked', () => {
    const c = kindClusterConfig({ name: 'x', hostPorts: { http: 1, https: 2 }, listenAddress: '0.0.0.0', nodeImage: 'kindest/node:custom' }) as any;
    expect(c.nodes[0].image).toBe('kindest/node:custom');
    expect(c.nodes[0].extraPortMappings[0].listenAddress).toBe('0.0.0.0');
  });

  it.each([
    ['simple', 'meshlab', true],
    ['with dash and digits', 'lab-2', true],
    ['uppercase', 'Meshlab', false],
    ['leading dash', '-lab', false],
    ['trailing dash', 'lab-', false],
    ['shell characters', 'a;rm', false],
    ['empty', '', false],
    ['too long', 'a'.repeat(33), false],
  ])('cluster name %s', (_n, name, ok) => expect(validClusterName(name)).toBe(ok));
});
