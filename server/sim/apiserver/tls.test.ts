import { describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { newToken, tlsMaterial } from './tls.ts';

describe('TLS material', () => {
  it('a CA and a 127.0.0.1 serving certificate it signed, made once per process', () => {
    const m = tlsMaterial();
    expect(tlsMaterial()).toBe(m);
    const ca = new X509Certificate(m.caPem);
    const leaf = new X509Certificate(m.certPem);
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkIP('10.0.0.1')).toBeUndefined();
  });

  it('tokens are long and distinct', () => {
    const a = newToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(newToken()).not.toBe(a);
  });
});
