// Host uids for learners, without collisions: each uid is claimed by creating a file named after
// it (O_EXCL, so two claims, even from two server processes sharing the directory, cannot both
// win) that records whose it is. The first candidate comes from a hash of the key, so a learner
// keeps their uid across restarts and files in their home stay theirs; a taken uid moves the
// claim to the next free one. Two learners never share a uid, and so never share RLIMIT_NPROC.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const UID_BASE = 200_000;
export const UID_SPAN = 1_000_000;

const cache = new Map<string, number>();

function firstCandidate(key: string): number {
  const h = createHash('sha256').update(`meshlab-uid:${key}`).digest();
  return h.readUInt32BE(0) % UID_SPAN;
}

/** The learner's uid, claimed in `dir` (created if needed). Stable for a key; distinct between keys. */
export function claimUid(dir: string, key: string): number {
  const cacheKey = `${dir}\0${key}`;
  const known = cache.get(cacheKey);
  if (known !== undefined) return known;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const start = firstCandidate(key);
  for (let i = 0; i < UID_SPAN; i++) {
    const uid = UID_BASE + ((start + i) % UID_SPAN);
    const file = join(dir, String(uid));
    try {
      writeFileSync(file, key, { flag: 'wx', mode: 0o600 });
      cache.set(cacheKey, uid);
      return uid;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let owner = '';
    try {
      owner = readFileSync(file, 'utf8');
    } catch {
      // unreadable: treat as someone else's
    }
    if (owner === key) {
      cache.set(cacheKey, uid);
      return uid;
    }
  }
  throw new Error(`no free sandbox uid in ${UID_BASE}..${UID_BASE + UID_SPAN - 1}`);
}
