// Which Service ports Istio treats as HTTP2 (protocol selection: appProtocol first, else the
// port name's prefix; istio.io ops/configuration/traffic-management/protocol-selection), and the
// public addresses a DNS cluster resolves the simulated internet's hosts to.
import { describe, expect, it } from 'vitest';
import { isHttp2Port } from './upstreams.ts';
import { publicAddresses } from '../world/public-dns.ts';

describe('isHttp2Port', () => {
  it.each([
    [{ name: 'http2' }, true],
    [{ name: 'http2-web' }, true],
    [{ name: 'grpc' }, true],
    [{ name: 'grpc-api' }, true],
    [{ name: 'http' }, false],
    [{ name: 'http2x' }, false],
    [{ name: 'grpc-web' }, true],
    [{ name: 'tcp' }, false],
    [{}, false],
    [{ name: 'web', appProtocol: 'kubernetes.io/h2c' }, true],
    [{ name: 'http2', appProtocol: 'http' }, false],
    [{ name: 'x', appProtocol: 'GRPC' }, true],
  ])('%j → %s', (port, want) => expect(isHttp2Port(port)).toBe(want));
});

describe('publicAddresses', () => {
  it("returns the addresses istio.io's pages show for the known hosts", () => {
    expect(publicAddresses('edition.cnn.com')).toContain('151.101.65.67');
    expect(publicAddresses('HTTPBIN.ORG.')).toEqual(['35.173.6.94']);
  });
  it('gives any other host one stable TEST-NET-3 address', () => {
    const [a] = publicAddresses('api.example.org');
    expect(a).toMatch(/^203\.0\.113\.\d+$/);
    expect(publicAddresses('api.example.org')).toEqual([a]);
  });
});
