// `istioctl` in the embedded cluster's terminal: a small POSIX script in the cluster's bin
// directory (first on the terminal's PATH) that answers `istioctl analyze`, `istioctl x describe
// pod` and `istioctl version` from meshlab's analyzer, through the cluster's API server
// (`kubectl get --raw /meshlab/v1/istioctl`), with istioctl's output and exit codes. On kind or
// an existing cluster there is no such script: the user's own istioctl answers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterAddon, ClusterContext } from '../cluster.ts';
import { ISTIO_VERSION } from '../controllers/sidecar-injection.ts';
import type { ObjectStore } from '../store/object-store.ts';
import { analyze } from './analyzer.ts';
import { describePod } from './describe-pod.ts';
import { formatAnalysis, type Formatted } from './format.ts';
import type { Level } from './messages.ts';
import { snapshotOfStore } from './store-snapshot.ts';
import { hasSidecar } from '../meta/pod.ts';

export const ISTIOCTL_PATH = '/meshlab/v1/istioctl';
/** Between stdout and stderr in an answer, and after stderr (shell command substitution keeps it). */
export const FIELD_END = '\x1e';

const LEVELS: Level[] = ['Info', 'Warning', 'Error'];
const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

function levelOf(v: string | null, flag: string): Level | { error: string } | undefined {
  if (v === null || v === '') return undefined;
  return LEVELS.find((l) => l.toLowerCase() === v.toLowerCase()) ?? { error: `Error: invalid argument ${JSON.stringify(v)} for "--${flag}" flag: must be one of ${LEVELS.join(', ')}\n` };
}

/** The version lines: the control plane is the embedded istiod, the data plane every proxy in the cluster. */
export function versionText(store: ObjectStore): string {
  const proxies = store.list('pods').items.filter(hasSidecar).length;
  return `client version: ${ISTIO_VERSION}\ncontrol plane version: ${ISTIO_VERSION}\ndata plane version: ${ISTIO_VERSION} (${proxies} proxies)\n`;
}

/** One command's answer, from the query the script sends. */
export function runIstioctl(store: ObjectStore, q: URLSearchParams): Formatted {
  const fail = (stderr: string, exitCode = 1): Formatted => ({ stdout: '', stderr, exitCode });
  const namespace = q.get('namespace') || 'default';
  if (!NAME.test(namespace)) return fail(`Error: invalid namespace ${JSON.stringify(namespace)}\n`);
  switch (q.get('cmd')) {
    case 'version':
      return { stdout: versionText(store), stderr: '', exitCode: 0 };
    case 'analyze': {
      const failure = levelOf(q.get('failureThreshold'), 'failure-threshold');
      const output = levelOf(q.get('outputThreshold'), 'output-threshold');
      for (const l of [failure, output]) if (l && typeof l === 'object') return fail(l.error);
      const scope = q.get('all') === 'true' ? undefined : namespace;
      return formatAnalysis(analyze(snapshotOfStore(store), { namespace: scope }), { namespace: scope, failureThreshold: failure as Level | undefined, outputThreshold: output as Level | undefined });
    }
    case 'describe-pod': {
      let pod = q.get('pod') ?? '';
      let ns = namespace;
      // istioctl's pod-name[.namespace]
      const dot = pod.indexOf('.');
      if (dot > 0) [pod, ns] = [pod.slice(0, dot), pod.slice(dot + 1)];
      if (!NAME.test(pod) || !NAME.test(ns)) return fail(`Error: expecting pod name, not ${JSON.stringify(q.get('pod') ?? '')}\n`);
      return describePod(snapshotOfStore(store), pod, ns, namespace);
    }
    default:
      return fail(`Error: meshlab's istioctl does not know ${JSON.stringify(q.get('cmd') ?? '')}\n`);
  }
}

/** exit code, newline, stdout, FIELD_END, stderr, FIELD_END: what the script splits. */
export function encodeAnswer(r: Formatted): string {
  return `${r.exitCode}\n${r.stdout}${FIELD_END}${r.stderr}${FIELD_END}`;
}

export function serveIstioctl(store: ObjectStore, req: IncomingMessage, res: ServerResponse, url: URL): void {
  req.resume();
  const body = encodeAnswer(runIstioctl(store, url.searchParams));
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export const ISTIOCTL_SCRIPT = `#!/bin/sh
# istioctl in meshlab's embedded cluster: analyze, x describe pod and version answer from
# meshlab's analyzer (the cluster is simulated; there is no istiod or Envoy to ask).
usage() {
  cat <<'USAGE'
meshlab's istioctl (the embedded cluster has no real istiod): these commands answer from
meshlab's analyzer, with istioctl's output and exit codes.

Usage:
  istioctl analyze [-n NAMESPACE | -A] [--failure-threshold LEVEL] [--output-threshold LEVEL]
  istioctl x describe pod POD[.NAMESPACE] [-n NAMESPACE]
  istioctl version

On a kind or existing cluster, install the real istioctl (https://istio.io/latest/docs/setup/getting-started/).
USAGE
}
enc() { printf '%s' "$1" | od -An -tx1 -v | tr -d ' \\n' | sed 's/../%&/g'; }
ns=$(kubectl config view --minify -o jsonpath='{..namespace}' 2>/dev/null)
[ -n "$ns" ] || ns=default
all=false; ft=""; ot=""; cmd=""; pod=""
while [ $# -gt 0 ]; do
  case "$1" in
    -n|--namespace|-i|--istioNamespace|--failure-threshold|--output-threshold|-o|--output|--context|--kubeconfig|-c)
      [ $# -ge 2 ] || { echo "Error: flag needs an argument: $1" >&2; exit 1; }
      case "$1" in
        -n|--namespace) ns="$2" ;;
        --failure-threshold) ft="$2" ;;
        --output-threshold) ot="$2" ;;
        -o|--output) [ "$2" = "log" ] || { echo "Error: meshlab's istioctl prints only the log output format" >&2; exit 1; } ;;
        --context|--kubeconfig|-c) echo "Error: meshlab's istioctl uses the terminal's cluster; $1 is not supported" >&2; exit 1 ;;
      esac
      shift 2 ;;
    --namespace=*) ns="\${1#*=}"; shift ;;
    --failure-threshold=*) ft="\${1#*=}"; shift ;;
    --output-threshold=*) ot="\${1#*=}"; shift ;;
    -A|--all-namespaces) all=true; shift ;;
    -h|--help|help) usage; exit 0 ;;
    -*) echo "Error: unknown flag: $1 (meshlab's istioctl: see istioctl --help)" >&2; exit 1 ;;
    *)
      if [ -z "$cmd" ]; then
        case "$1" in
          analyze|version) cmd="$1" ;;
          x|experimental) cmd=x ;;
          *) echo "Error: meshlab's istioctl answers only analyze, x describe pod and version, not \\"$1\\"; on a kind or existing cluster use the real istioctl" >&2; exit 1 ;;
        esac
      elif [ "$cmd" = x ]; then
        case "$1" in describe|des) cmd=describe ;; *) echo "Error: meshlab's istioctl answers only x describe pod, not x $1" >&2; exit 1 ;; esac
      elif [ "$cmd" = describe ]; then
        case "$1" in pod|po) cmd=describe-pod ;; *) echo "Error: meshlab's istioctl describes pods only, not \\"$1\\"" >&2; exit 1 ;; esac
      elif [ "$cmd" = describe-pod ] && [ -z "$pod" ]; then
        pod="$1"
      else
        echo "Error: unexpected argument \\"$1\\"" >&2; exit 1
      fi
      shift ;;
  esac
done
case "$cmd" in
  "") usage; exit 0 ;;
  x|describe) echo "Error: expecting: istioctl x describe pod POD" >&2; exit 1 ;;
  describe-pod) [ -n "$pod" ] || { echo "Error: expecting pod name" >&2; exit 1; } ;;
esac
q="cmd=$cmd&namespace=$(enc "$ns")&all=$all&failureThreshold=$(enc "$ft")&outputThreshold=$(enc "$ot")&pod=$(enc "$pod")"
resp=$(kubectl get --raw "${ISTIOCTL_PATH}?$q") || exit 1
rs=$(printf '\\036')
code=\${resp%%"
"*}
rest=\${resp#*"
"}
out=\${rest%%"$rs"*}
err=\${rest#*"$rs"}
err=\${err%"$rs"}
[ -n "$out" ] && printf '%s' "$out"
[ -n "$err" ] && printf '%s' "$err" >&2
case "$code" in ''|*[!0-9]*) exit 1 ;; *) exit "$code" ;; esac
`;

/** Writes the script into `<clusterDir>/bin` and serves its answers; stopped with the cluster. */
export function istioctlAddon(): (ctx: ClusterContext) => Promise<ClusterAddon> {
  return async (ctx) => {
    const unregister = ctx.extensions.register(ISTIOCTL_PATH, (req, res, url) => serveIstioctl(ctx.store, req, res, url));
    const bin = join(ctx.dir, 'bin');
    await mkdir(bin, { recursive: true, mode: 0o755 });
    const file = join(bin, 'istioctl');
    await writeFile(file, ISTIOCTL_SCRIPT, { mode: 0o755 });
    await chmod(file, 0o755);
    return { stop: unregister };
  };
}
