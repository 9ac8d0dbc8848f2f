// Names Kubernetes controllers generate: the pod-template-hash of a ReplicaSet and the random
// suffix of generated names, both from the same "safe" alphabet (no vowels, no 0/1/3, so no
// words and no look-alike characters). See k8s.io/apimachinery/pkg/util/rand.
import { randomInt } from 'node:crypto';

export const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** rand.SafeEncodeString: each byte of `s` picks a character of the safe alphabet. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

/** FNV-1a, 32 bits, over the UTF-8 bytes of `s`. */
export function fnv32a(s: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(s, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** JSON with object keys sorted, so equal templates hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * controller.ComputeHash: FNV-32a of the pod template (plus the collision count when set),
 * printed as a decimal number and safe-encoded: 8 to 10 characters like "7d4b9c8f5".
 * Kubernetes hashes a spew dump of the Go struct; a canonical JSON dump keeps the same shape.
 */
export function podTemplateHash(template: unknown, collisionCount?: number): string {
  let input = canonicalJson(template);
  if (collisionCount) input += String(collisionCount);
  return safeEncodeString(String(fnv32a(input)));
}

/** utilrand.String(n): the suffix of generateName (`<rs>-x7k2p`). */
export function randomSuffix(length = 5): string {
  let out = '';
  for (let i = 0; i < length; i++) out += SAFE_ALPHABET[randomInt(SAFE_ALPHABET.length)];
  return out;
}

/** Lowercase hex, `bytes` random bytes long (container IDs, image digests). */
export function randomHex(bytes: number): string {
  let out = '';
  for (let i = 0; i < bytes; i++) out += randomInt(256).toString(16).padStart(2, '0');
  return out;
}
