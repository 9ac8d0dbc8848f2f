// The API server's TLS material. client-go only sends a bearer token over TLS, so every embedded
// cluster serves HTTPS. RSA key generation is slow, so one CA and one serving certificate for
// 127.0.0.1 are made lazily per process and shared; clusters are told apart by their tokens.
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

export interface TlsMaterial {
  caPem: string;
  certPem: string;
  keyPem: string;
}

let cached: TlsMaterial | undefined;

interface KeyPair {
  key: KeyObject;
  publicKey: forge.pki.rsa.PublicKey;
  pem: string;
}

function newKeyPair(): KeyPair {
  // Node's native generator takes milliseconds where forge's pure-JS one takes seconds.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forgePublic = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()) as forge.pki.rsa.PublicKey;
  return { key: privateKey, publicKey: forgePublic, pem };
}

/** Signs with Node's native RSA instead of forge's JavaScript one (the slow part of forge). */
function signNative(cert: forge.pki.Certificate, key: KeyObject): void {
  const oid = forge.pki.oids.sha256WithRSAEncryption!;
  cert.signatureOid = oid;
  cert.siginfo.algorithmOid = oid;
  const tbs = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(cert);
  (cert as unknown as { tbsCertificate: unknown }).tbsCertificate = tbs;
  const der = Buffer.from(forge.asn1.toDer(tbs).getBytes(), 'binary');
  cert.signature = sign('sha256', der, key).toString('binary');
}

function serial(): string {
  // Positive serial numbers: clear the top bit.
  const bytes = randomBytes(16);
  bytes[0]! &= 0x7f;
  return bytes.toString('hex');
}

function makeMaterial(): TlsMaterial {
  const now = new Date();
  const notBefore = new Date(now.getTime() - 60 * 60 * 1000);
  const notAfter = new Date(now.getTime() + 10 * 365 * 24 * 60 * 60 * 1000);

  const ca = newKeyPair();
  const caCert = forge.pki.createCertificate();
  caCert.publicKey = ca.publicKey;
  caCert.serialNumber = serial();
  caCert.validity.notBefore = notBefore;
  caCert.validity.notAfter = notAfter;
  const caSubject = [{ name: 'commonName', value: 'meshlab-embedded-ca' }];
  caCert.setSubject(caSubject);
  caCert.setIssuer(caSubject);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  signNative(caCert, ca.key);

  // The serving certificate reuses the CA's key: one RSA key generation instead of two halves
  // the first cluster's start-up, and nothing but this process ever holds either key.
  const server = ca;
  const cert = forge.pki.createCertificate();
  cert.publicKey = server.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject([{ name: 'commonName', value: 'kube-apiserver' }]);
  cert.setIssuer(caSubject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 7, ip: '127.0.0.1' },
        { type: 2, value: 'localhost' },
        { type: 2, value: 'kubernetes.default.svc' },
      ],
    },
  ]);
  signNative(cert, ca.key);

  return { caPem: forge.pki.certificateToPem(caCert), certPem: forge.pki.certificateToPem(cert), keyPem: server.pem };
}

/** The process-wide CA and 127.0.0.1 serving certificate, created on first use. */
export function tlsMaterial(): TlsMaterial {
  cached ??= makeMaterial();
  return cached;
}

/** A fresh bearer token (per cluster). */
export function newToken(): string {
  return randomBytes(24).toString('base64url');
}
