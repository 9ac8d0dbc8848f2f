// Output comparisons with the semantics of istio.io's doc tests (tests/util/verify.sh):
// same, contains, notContains, elided, firstLine, like and lines. As there, carriage returns
// are dropped and trailing whitespace is trimmed from every line of the actual output first.
import type { VerifyModeT } from './lab-schema.ts';

/** What verify.sh does to output before comparing: drop \r, trim each line's trailing space. */
export function normalizeOutput(out: string): string {
  return out
    .replace(/\r/g, '')
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .join('\n')
    .replace(/\n+$/, '');
}

function elided(out: string, expected: string): boolean {
  // "..." alone on a line stands for one or more lines of anything; the pieces between must
  // each appear in the output (verify.sh checks each piece as a substring).
  let piece: string[] = [];
  const pieceOk = () => piece.length === 0 || out.includes(piece.join('\n'));
  for (const line of expected.split('\n')) {
    if (/^\s*\.\.\.\s*$/.test(line)) {
      if (!pieceOk()) return false;
      piece = [];
    } else piece.push(line);
  }
  return pieceOk();
}

const DURATION = /^([0-9]+[smhd])+$/;
const IPV4 = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const DASHED_PREFIX = /^([a-zA-Z0-9_]+-)+/;

function tokenLike(o: string, e: string): boolean {
  if (e === '...' || o === e) return true;
  if (DURATION.test(o) && DURATION.test(e)) return true;
  if ((IPV4.test(o) || o === '<none>' || o === '<pending>') && IPV4.test(e)) return true;
  // Generated names: equal up to a point where the common part ends in a dash (httpbin-7d9f-…).
  let common = '';
  for (let k = 0; k < o.length; k++) {
    if (o[k] === e[k]) common += o[k];
    else return DASHED_PREFIX.test(common);
  }
  return true;
}

function like(out: string, expected: string): boolean {
  if (out === expected) return true;
  // bash `read -r` strips leading and trailing whitespace of each line.
  const olines = out.split('\n').map((l) => l.trim());
  const elines = expected.split('\n').map((l) => l.trim());
  if (olines.length !== elines.length) return false;
  return olines.every((oline, i) => {
    const eline = elines[i]!;
    if (oline === eline) return true;
    const ot = oline.split(/\s+/).filter(Boolean);
    const et = eline.split(/\s+/).filter(Boolean);
    return ot.length === et.length && ot.every((t, j) => tokenLike(t, et[j]!));
  });
}

function lines(out: string, expected: string): boolean {
  for (const line of expected.split('\n')) {
    if (line.startsWith('+ ') && !out.includes(line.slice(2))) return false;
    if (line.startsWith('- ') && out.includes(line.slice(2))) return false;
  }
  return true;
}

/** True when `actual` output matches `expected` under the given mode. */
export function compareOutput(mode: VerifyModeT, actual: string, expected: string): boolean {
  const out = normalizeOutput(actual);
  const exp = expected.replace(/\n+$/, '');
  switch (mode) {
    case 'same':
      return out === exp;
    case 'contains':
      return out.includes(exp);
    case 'notContains':
      return !out.includes(exp);
    case 'elided':
      return elided(out, exp);
    case 'firstLine':
      return out.split('\n')[0] === exp.split('\n')[0];
    case 'like':
      return like(out, exp);
    case 'lines':
      return lines(out, exp);
  }
}

/** The placeholder `likeShape` shows for a value `like` lets differ. */
export const LIKE_ANY = '…';

/**
 * A generated name: a Deployment's pod (name-<hash>-<5>), a ReplicaSet's or a Job's (name-<5>),
 * in the alphabet Kubernetes draws them from (apimachinery's rand.SafeEncodeString: no vowels,
 * no 0, 1 or 3), so `istio-proxy` is not one.
 */
const GENERATED_NAME = /^((?:[a-z0-9]+-)*?[a-z0-9]+)-(?:(?:[bcdfghjklmnpqrstvwxz2456789]{6,10}-)?[bcdfghjklmnpqrstvwxz2456789]{5}|[bcdfghjklmnpqrstvwxz2456789]{6,10})$/;
/** A table's header row: column names in capitals (NAME, READY, PORT(S), EXTERNAL-IP). */
const HEADER_ROW = /^[A-Z][A-Z0-9()_/ -]*$/;

/**
 * What `like` asks of the output, for a learner to read: the expected text with the values it
 * lets differ (generated pod names, ages, addresses) shown as `…` (`httpbin-…`), padded so
 * that a table keeps its columns. An example pod name in a lab is not what the learner's pod
 * is called, so it is never shown as if it were. `changed` says whether anything was replaced.
 */
export function likeShape(expected: string): { text: string; changed: boolean } {
  let changed = false;
  const text = expected
    .replace(/\n+$/, '')
    .split('\n')
    .map((line, row) =>
      // A header row names columns; only the values are generated.
      row === 0 && HEADER_ROW.test(line.trim()) ? line : line.replace(/\S+/g, (token) => {
        let shown = token;
        if (DURATION.test(token) || IPV4.test(token)) shown = LIKE_ANY;
        else if (GENERATED_NAME.test(token)) shown = `${GENERATED_NAME.exec(token)![1]}-${LIKE_ANY}`;
        if (shown === token) return token;
        changed = true;
        return shown.padEnd(token.length);
      }),
    )
    .map((line) => line.replace(/\s+$/, ''))
    .join('\n');
  return { text, changed };
}

export const VERIFY_DESCRIPTIONS: Record<VerifyModeT, string> = {
  same: 'output equal to',
  contains: 'output containing',
  notContains: 'output not containing',
  elided: 'output matching (with ... for elided lines)',
  firstLine: 'first line equal to',
  like: 'output like',
  lines: 'output conforming to',
};
