// Whether kind can run here, and if not, what exactly to do about it. Every check goes through an
// injected command runner and port probe, so each failure is testable without Docker.
import { createServer } from 'node:net';
import type { PreflightProblem } from '../types.ts';
import type { CommandRunner } from './command-runner.ts';
import { KIND_INSTALL_FIX, KIND_VERSION, MIN_DOCKER_MEMORY_BYTES } from './versions.ts';

export interface KindPreflightOptions {
  name: string;
  hostPorts: { http: number; https: number };
  listenAddress: string;
  tools: { kind: string; docker: string };
  /** kubectl/helm lookups: a path, or the reason they are unusable. */
  kubectl: { path?: string; problem?: string };
  helm: { path?: string; problem?: string };
}

export interface KindPreflightDeps {
  runner: CommandRunner;
  portFree(port: number, host: string): Promise<boolean>;
}

export interface KindPreflightReport {
  ok: boolean;
  problems: PreflightProblem[];
  /** Known only when Docker and kind both answered. */
  clusterExists?: boolean;
}

/** Binds the port for a moment: the only reliable way to know nobody else holds it. */
export function probePort(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

const firstLine = (text: string) => text.trim().split('\n').find((l) => l.trim())?.trim() ?? '';
const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;

interface DockerInfo {
  MemTotal?: number;
  ServerVersion?: string;
  ServerErrors?: string[];
}

async function checkDocker(o: KindPreflightOptions, deps: KindPreflightDeps, problems: PreflightProblem[]): Promise<boolean> {
  const result = await deps.runner.run([o.tools.docker, 'info', '--format', '{{json .}}'], { timeoutMs: 20_000 });
  if (result.notFound) {
    problems.push({
      message: 'Docker engine not found: there is no `docker` command, and kind runs its nodes as Docker containers.',
      fix: 'install Docker Engine (https://docs.docker.com/engine/install/) or Docker Desktop, start it, and check that `docker info` works',
    });
    return false;
  }
  let info: DockerInfo | undefined;
  try {
    info = JSON.parse(result.stdout) as DockerInfo;
  } catch {
    info = undefined; // not JSON (an old docker, or an error text): the checks below report docker as unusable
  }
  const serverErrors = info?.ServerErrors?.filter(Boolean) ?? [];
  if (result.code !== 0 || serverErrors.length > 0 || !info?.ServerVersion) {
    const why = firstLine(serverErrors[0] ?? result.stderr) || `exit ${result.code}`;
    problems.push({
      message: `Docker engine not reachable: \`docker info\` failed: ${why}`,
      fix: 'start the Docker engine (`sudo systemctl start docker`, or open Docker Desktop); if it is running, let your user reach it (`sudo usermod -aG docker $USER`, then log in again) or check DOCKER_HOST',
    });
    return false;
  }
  if (typeof info.MemTotal === 'number' && info.MemTotal > 0 && info.MemTotal < MIN_DOCKER_MEMORY_BYTES) {
    problems.push({
      message: `not enough memory: Docker has ${gib(info.MemTotal)}; a kind node with Istio needs at least ${gib(MIN_DOCKER_MEMORY_BYTES)}`,
      fix: 'give Docker more memory (Docker Desktop: Settings → Resources → Memory) or use the embedded driver (`--driver embedded`)',
    });
  }
  return true;
}

async function checkKind(o: KindPreflightOptions, deps: KindPreflightDeps, problems: PreflightProblem[]): Promise<boolean> {
  const result = await deps.runner.run([o.tools.kind, 'version'], { timeoutMs: 10_000 });
  if (result.notFound) {
    problems.push({ message: 'kind not found: there is no `kind` command on PATH', fix: KIND_INSTALL_FIX });
    return false;
  }
  if (result.code !== 0) {
    problems.push({ message: `\`kind version\` failed: ${firstLine(result.stderr) || `exit ${result.code}`}`, fix: KIND_INSTALL_FIX });
    return false;
  }
  // kind supports a node image only with the release that built it (or a later one).
  const found = /\bv(\d+)\.(\d+)\.(\d+)/.exec(result.stdout);
  if (found && compareVersions(found.slice(1).map(Number), versionParts(KIND_VERSION)) < 0) {
    problems.push({ message: `kind ${found[0]} is older than ${KIND_VERSION}, the release that built the pinned node image`, fix: KIND_INSTALL_FIX });
    return false;
  }
  return true;
}

const versionParts = (v: string) => v.replace(/^v/, '').split('.').map(Number);
function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

export async function kindPreflight(o: KindPreflightOptions, deps: KindPreflightDeps): Promise<KindPreflightReport> {
  const problems: PreflightProblem[] = [];
  const dockerOk = await checkDocker(o, deps, problems);
  const kindOk = await checkKind(o, deps, problems);
  for (const [name, tool] of [['kubectl', o.kubectl], ['helm', o.helm]] as const) {
    if (!tool.path) problems.push({ message: `${name} not usable: ${tool.problem ?? 'not found'}`, fix: 'run `npm install` (it unpacks kubectl and helm), or put them on PATH' });
  }
  let clusterExists: boolean | undefined;
  if (dockerOk && kindOk) {
    const clusters = await deps.runner.run([o.tools.kind, 'get', 'clusters'], { timeoutMs: 20_000 });
    if (clusters.code === 0) clusterExists = clusters.stdout.split('\n').map((l) => l.trim()).includes(o.name);
  }
  // A cluster being reused already holds its ports; only a new one needs them free.
  if (!clusterExists) {
    for (const [label, port] of [['HTTP', o.hostPorts.http], ['HTTPS', o.hostPorts.https]] as const) {
      if (!(await deps.portFree(port, o.listenAddress))) {
        problems.push({
          message: `host port ${port} on ${o.listenAddress} is busy; kind publishes the ingress gateway's ${label} node port there`,
          fix: `stop whatever listens there (\`ss -ltnp 'sport = :${port}'\`) or choose another port with --${label === 'HTTP' ? 'http' : 'https'}-port`,
        });
      }
    }
  }
  return { ok: problems.length === 0, problems, clusterExists };
}
