// `meshlab explain` in the learner's terminal: a small POSIX script in the cluster's bin
// directory (on the terminal's PATH) that asks the cluster's API server through the learner's
// kubeconfig, so it works wherever kubectl does (also inside the terminal's own network).
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EXPLAIN_PATH } from './recent-requests-api.ts';

export const EXPLAIN_SCRIPT = `#!/bin/sh
# meshlab in the terminal: explains the mesh's recent requests (ask the embedded cluster).
usage() {
  cat <<'USAGE'
Usage: meshlab explain [--path PREFIX] [--host HOST] [--status CODE] [--lang en|zh]
       meshlab analyze [-n NAMESPACE | -A]

Explains the last request that went through the mesh (or the last one matching the filters):
the gateway and listener, the VirtualService rule that matched or why each rule did not,
the destination and subset, and why the answer was what it was.
meshlab analyze checks the Istio configuration as istioctl analyze does (same as istioctl analyze here).
USAGE
}
enc() { printf '%s' "$1" | od -An -tx1 -v | tr -d ' \\n' | sed 's/../%&/g'; }
cmd="\${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
  explain) ;;
  # The terminal's istioctl (meshlab's analyzer, from the cluster) answers it.
  analyze) exec istioctl analyze "$@" ;;
  ""|-h|--help|help) usage; exit 0 ;;
  *) echo "meshlab: unknown command \\"$cmd\\" (try: meshlab explain --help, meshlab analyze)" >&2; exit 2 ;;
esac
lang="\${MESHLAB_LANG:-en}"
q=""
while [ $# -gt 0 ]; do
  case "$1" in
    --path|--host|--status|--lang)
      [ $# -ge 2 ] || { echo "meshlab explain: $1 needs a value" >&2; exit 2; }
      opt="\${1#--}"; val="$2"; shift 2 ;;
    --path=*|--host=*|--status=*|--lang=*)
      opt="\${1%%=*}"; opt="\${opt#--}"; val="\${1#*=}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "meshlab explain: unknown option $1 (use --path, --host, --status or --lang)" >&2; exit 2 ;;
  esac
  case "$opt" in
    lang) lang="$val" ;;
    status) case "$val" in [1-5][0-9][0-9]) q="$q&status=$val" ;; *) echo "meshlab explain: --status wants an HTTP status such as 404, not \\"$val\\"" >&2; exit 2 ;; esac ;;
    *) q="$q&$opt=$(enc "$val")" ;;
  esac
done
exec kubectl get --raw "${EXPLAIN_PATH}?lang=$(enc "$lang")$q"
`;

/** Writes the command into `<clusterDir>/bin` (the directory the terminal's PATH starts with). */
export async function installExplainCommand(clusterDir: string): Promise<void> {
  const bin = join(clusterDir, 'bin');
  await mkdir(bin, { recursive: true, mode: 0o755 });
  const file = join(bin, 'meshlab');
  await writeFile(file, EXPLAIN_SCRIPT, { mode: 0o755 });
  await chmod(file, 0o755);
}
