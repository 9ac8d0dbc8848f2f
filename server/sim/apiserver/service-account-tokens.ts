// ServiceAccount tokens as kube-apiserver issues and checks them (pkg/serviceaccount): RS256 JWTs
// signed with one key per cluster, with the claims Kubernetes sets (iss, sub, aud, exp, iat, nbf,
// jti and the private "kubernetes.io" claim naming the namespace, the ServiceAccount and, for a
// bound token, the Pod or Secret). A token is only as good as the objects it names: it stops
// authenticating when its ServiceAccount (or bound object) is deleted, even if it was recreated
// under the same name, because the uid in the token no longer matches.
import { createHash, generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import type { Clock, KubeObject, ObjectStore } from '../store/object-store.ts';

/** The issuer and default audience of a kind cluster (and of most kubeadm clusters). */
export const API_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** go-jose's default leeway, which kube-apiserver's validator uses for exp and nbf. */
const LEEWAY_SECONDS = 60;

export interface BoundObject {
  kind: 'Pod' | 'Secret';
  name: string;
  uid: string;
}

export interface IssueRequest {
  namespace: string;
  serviceAccount: { name: string; uid: string };
  audiences: string[];
  expirationSeconds: number;
  bound?: BoundObject;
}

export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

export interface ServiceAccountIdentity {
  username: string;
  uid: string;
  groups: string[];
  extra: Record<string, string[]>;
}

interface Claims {
  aud?: string[] | string;
  exp?: number;
  iat?: number;
  nbf?: number;
  iss?: string;
  jti?: string;
  sub?: string;
  'kubernetes.io'?: {
    namespace?: string;
    serviceaccount?: { name?: string; uid?: string };
    pod?: { name?: string; uid?: string };
    secret?: { name?: string; uid?: string };
  };
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

function seconds(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}

/** Issues and verifies the ServiceAccount tokens of one cluster. */
export class ServiceAccountTokens {
  private key: KeyObject | undefined;
  private publicKey: KeyObject | undefined;
  private keyId = '';

  constructor(
    private readonly store: ObjectStore,
    private readonly clock: Clock,
  ) {}

  /** The signing key is made on first use: most clusters never issue a token. */
  private signingKey(): KeyObject {
    if (!this.key) {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      this.key = privateKey;
      this.publicKey = publicKey;
      // kube-apiserver's key id: the unpadded base64url SHA-256 of the public key's DER.
      this.keyId = b64url(createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest());
    }
    return this.key;
  }

  /** The public key in PEM (what the cluster's OIDC discovery would publish). */
  publicKeyPem(): string {
    this.signingKey();
    return this.publicKey!.export({ type: 'spki', format: 'pem' }).toString();
  }

  issue(req: IssueRequest): IssuedToken {
    const key = this.signingKey();
    const now = this.clock.now();
    const iat = seconds(now);
    const exp = iat + req.expirationSeconds;
    const k8s: NonNullable<Claims['kubernetes.io']> = { namespace: req.namespace };
    if (req.bound?.kind === 'Pod') k8s.pod = { name: req.bound.name, uid: req.bound.uid };
    if (req.bound?.kind === 'Secret') k8s.secret = { name: req.bound.name, uid: req.bound.uid };
    k8s.serviceaccount = { name: req.serviceAccount.name, uid: req.serviceAccount.uid };
    const claims: Claims = {
      aud: req.audiences,
      exp,
      iat,
      iss: API_ISSUER,
      jti: randomUUID(),
      'kubernetes.io': k8s,
      nbf: iat,
      sub: `system:serviceaccount:${req.namespace}:${req.serviceAccount.name}`,
    };
    const signingInput = `${b64url(JSON.stringify({ alg: 'RS256', kid: this.keyId }))}.${b64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(signingInput), key);
    return { token: `${signingInput}.${b64url(signature)}`, expiresAt: new Date(exp * 1000) };
  }

  /**
   * The identity a bearer token stands for, or undefined when it is not a valid token of this
   * cluster for the API server's audience: bad signature, another issuer or audience, expired or
   * not yet valid, or naming a ServiceAccount (or bound object) that no longer exists.
   */
  authenticate(token: string): ServiceAccountIdentity | undefined {
    if (!this.key) return undefined; // No token was ever issued here.
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    let header: { alg?: string };
    let claims: Claims;
    try {
      header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString()) as { alg?: string };
      claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString()) as Claims;
    } catch {
      return undefined; // not a JWT: not a token this cluster issued, so not authenticated by it
    }
    if (header.alg !== 'RS256' || !claims || typeof claims !== 'object') return undefined;
    const ok = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), this.publicKey!, Buffer.from(parts[2]!, 'base64url'));
    if (!ok || claims.iss !== API_ISSUER) return undefined;
    const audiences = Array.isArray(claims.aud) ? claims.aud : claims.aud ? [claims.aud] : [];
    if (!audiences.includes(API_ISSUER)) return undefined;
    const now = seconds(this.clock.now());
    if (typeof claims.exp !== 'number' || now > claims.exp + LEEWAY_SECONDS) return undefined;
    if (typeof claims.nbf === 'number' && now < claims.nbf - LEEWAY_SECONDS) return undefined;
    const k8s = claims['kubernetes.io'];
    const ns = k8s?.namespace;
    const sa = k8s?.serviceaccount;
    if (!ns || !sa?.name || !sa.uid || claims.sub !== `system:serviceaccount:${ns}:${sa.name}`) return undefined;
    if (!this.live('serviceaccounts', ns, sa.name, sa.uid)) return undefined;
    if (k8s.pod && !this.live('pods', ns, k8s.pod.name, k8s.pod.uid)) return undefined;
    if (k8s.secret && !this.live('secrets', ns, k8s.secret.name, k8s.secret.uid)) return undefined;
    const extra: Record<string, string[]> = {};
    if (claims.jti) extra['authentication.kubernetes.io/credential-id'] = [`JTI=${claims.jti}`];
    if (k8s.pod?.name) {
      extra['authentication.kubernetes.io/pod-name'] = [k8s.pod.name];
      extra['authentication.kubernetes.io/pod-uid'] = [k8s.pod.uid ?? ''];
    }
    return {
      username: `system:serviceaccount:${ns}:${sa.name}`,
      uid: sa.uid,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
      extra,
    };
  }

  /** Whether the object exists with this uid and is not being deleted. */
  private live(resource: string, namespace: string, name: string | undefined, uid: string | undefined): boolean {
    if (!name || !uid) return false;
    const obj: KubeObject | undefined = this.store.get(resource, namespace, name);
    return !!obj && obj.metadata.uid === uid && !obj.metadata.deletionTimestamp;
  }
}
