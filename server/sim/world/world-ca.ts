// The certificate authority of the simulated internet: one per process, generated on first use.
// Keys come from node:crypto (fast, native); node-forge only builds the X.509 certificates.
// Clients trust it through a CA bundle file (the system's CAs followed by this one).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import forge from 'node-forge';

export interface WorldCertificates {
  /** PEM of the CA certificate ("meshlab simulated internet CA"). */
  caCert: string;
  /** PEM certificate for all of the world's hosts (one SAN each), signed by the CA. */
  serverCert: string;
  serverKey: string;
}

/** Where Debian (and most Linux distributions) keep the system's trusted CAs. */
const SYSTEM_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/cert.pem'];

function newKeyPair(): { publicPem: string; privatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

function serial(): string {
  // Positive 16-byte serial (high bit cleared), as RFC 5280 asks.
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f;
  return b.toString('hex');
}

function validity(cert: forge.pki.Certificate, days: number): void {
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(now + days * 24 * 60 * 60 * 1000);
}

/** Create a CA and one server certificate covering `hosts`. */
export function createWorldCertificates(hosts: string[]): WorldCertificates {
  const caKeys = newKeyPair();
  const caPriv = forge.pki.privateKeyFromPem(caKeys.privatePem);
  const ca = forge.pki.createCertificate();
  ca.publicKey = forge.pki.publicKeyFromPem(caKeys.publicPem);
  ca.serialNumber = serial();
  validity(ca, 3650);
  const caSubject = [
    { name: 'commonName', value: 'meshlab simulated internet CA' },
    { name: 'organizationName', value: 'meshlab' },
  ];
  ca.setSubject(caSubject);
  ca.setIssuer(caSubject);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caPriv, forge.md.sha256.create());

  const leafKeys = newKeyPair();
  const leaf = forge.pki.createCertificate();
  leaf.publicKey = forge.pki.publicKeyFromPem(leafKeys.publicPem);
  leaf.serialNumber = serial();
  validity(leaf, 397);
  leaf.setSubject([{ name: 'commonName', value: hosts[0] ?? 'localhost' }]);
  leaf.setIssuer(caSubject);
  leaf.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: hosts.map((h) => ({ type: 2, value: h })) },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  leaf.sign(caPriv, forge.md.sha256.create());

  return { caCert: forge.pki.certificateToPem(ca), serverCert: forge.pki.certificateToPem(leaf), serverKey: leafKeys.privatePem };
}

/** The system's CA bundle (empty when none is found) followed by the world's CA. */
export function caBundle(caCert: string): string {
  const system = SYSTEM_BUNDLES.find((p) => existsSync(p));
  const base = system ? readFileSync(system, 'utf8') : '';
  return `${base}${base && !base.endsWith('\n') ? '\n' : ''}${caCert}`;
}
