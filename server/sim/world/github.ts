// github.com as the simulated internet serves it: the Git repositories istio.io's tasks install
// from, over Git's smart HTTP protocol, so `kubectl kustomize "github.com/kubernetes-sigs/
// gateway-api/config/crd/experimental?ref=v1.4.0"` clones as it does on the real internet (kustomize
// runs `git fetch --depth=1 origin v1.4.0` against https://github.com/kubernetes-sigs/gateway-api.git).
// Each repository is a bare repository made at first use in a temporary directory, with one commit
// tagged with its release, holding the files this cluster serves (the Gateway API's CRD trees);
// `git http-backend` (the CGI program Git ships) answers the fetches. Anything else is GitHub's 404.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gatewayApiChannelFiles, GATEWAY_API_BUNDLE_VERSION } from '../gateway-api/crds.ts';
import type { AnyRequest, AnyResponse } from './httpbin-org.ts';

export const GITHUB_HOST = 'github.com';

const run = promisify(execFile);

export interface GitRepository {
  /** owner/name */
  path: string;
  /** The tag (and branch name) of the one commit. */
  tag: string;
  files(): Record<string, string>;
}

/** The Gateway API's release tree at v1.4.0: config/crd/standard and config/crd/experimental. */
export const GATEWAY_API_REPOSITORY: GitRepository = {
  path: 'kubernetes-sigs/gateway-api',
  tag: GATEWAY_API_BUNDLE_VERSION,
  files() {
    const out: Record<string, string> = {};
    for (const channel of ['standard', 'experimental'] as const) for (const [name, text] of Object.entries(gatewayApiChannelFiles(channel))) out[`config/crd/${channel}/${name}`] = text;
    return out;
  },
};

const NOT_FOUND = 'Not Found';
// Every commit made here is the same commit, whatever the machine or the hour.
const GIT_ENV = {
  GIT_AUTHOR_NAME: 'k8s-ci-robot',
  GIT_AUTHOR_EMAIL: 'k8s-ci-robot@users.noreply.github.com',
  GIT_COMMITTER_NAME: 'k8s-ci-robot',
  GIT_COMMITTER_EMAIL: 'k8s-ci-robot@users.noreply.github.com',
  GIT_AUTHOR_DATE: '2025-10-06T00:00:00Z',
  GIT_COMMITTER_DATE: '2025-10-06T00:00:00Z',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

function header(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
}

export class GitHubSite {
  private root: string | undefined;
  private ready: Promise<string> | undefined;

  constructor(private readonly repositories: GitRepository[] = [GATEWAY_API_REPOSITORY]) {}

  /** The directory of bare repositories, made on first use. */
  private repositoriesRoot(): Promise<string> {
    this.ready ??= (async () => {
      const root = mkdtempSync(join(tmpdir(), 'meshlab-github-'));
      this.root = root;
      const env = { ...process.env, ...GIT_ENV, HOME: root };
      for (const repo of this.repositories) {
        const work = join(root, 'work', repo.path);
        for (const [path, text] of Object.entries(repo.files())) {
          mkdirSync(dirname(join(work, path)), { recursive: true });
          writeFileSync(join(work, path), text);
        }
        const bare = join(root, `${repo.path}.git`);
        await run('git', ['init', '-q', '--bare', '-b', 'main', bare], { env });
        await run('git', ['init', '-q', '-b', 'main'], { cwd: work, env });
        await run('git', ['add', '-A'], { cwd: work, env });
        await run('git', ['commit', '-q', '-m', `Release ${repo.tag}`], { cwd: work, env });
        await run('git', ['tag', repo.tag], { cwd: work, env });
        await run('git', ['push', '-q', bare, 'main', '--tags'], { cwd: work, env });
      }
      rmSync(join(root, 'work'), { recursive: true, force: true });
      return root;
    })();
    return this.ready;
  }

  async handle(req: AnyRequest, res: AnyResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `https://${GITHUB_HOST}`);
    const m = /^\/([^/]+)\/([^/]+?)(?:\.git)?(\/info\/refs|\/git-upload-pack)$/.exec(url.pathname);
    const repo = m && this.repositories.find((r) => r.path === `${m[1]}/${m[2]}`);
    const pushing = url.searchParams.get('service') === 'git-receive-pack';
    if (!m || !repo || pushing) {
      res.statusCode = pushing && repo ? 403 : 404;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end(pushing && repo ? 'Permission denied\n' : NOT_FOUND);
      return;
    }
    const root = await this.repositoriesRoot();
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: root,
        ...GIT_ENV,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: `/${repo.path}.git${m[3]}`,
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: header(req.headers['content-type']),
        HTTP_CONTENT_ENCODING: header(req.headers['content-encoding']),
        GIT_PROTOCOL: header(req.headers['git-protocol']),
        REMOTE_ADDR: '127.0.0.1',
        SERVER_PROTOCOL: 'HTTP/1.1',
      },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    (req as NodeJS.ReadableStream).pipe(cgi.stdin);
    cgi.stdin.on('error', () => {});
    const out = res as unknown as NodeJS.WritableStream & { statusCode: number; setHeader(name: string, value: string): void };
    await new Promise<void>((resolve, reject) => {
      let head = Buffer.alloc(0);
      let headersDone = false;
      cgi.on('error', reject);
      cgi.stdout.on('data', (chunk: Buffer) => {
        if (headersDone) {
          out.write(chunk);
          return;
        }
        head = Buffer.concat([head, chunk]);
        const text = head.toString('latin1');
        const end = /\r?\n\r?\n/.exec(text);
        if (!end) return;
        headersDone = true;
        out.statusCode = 200;
        for (const line of text.slice(0, end.index).split(/\r?\n/)) {
          const i = line.indexOf(':');
          if (i < 0) continue;
          const name = line.slice(0, i).trim();
          const value = line.slice(i + 1).trim();
          if (name.toLowerCase() === 'status') out.statusCode = Number.parseInt(value, 10) || 200;
          else out.setHeader(name, value);
        }
        const rest = head.subarray(Buffer.byteLength(text.slice(0, end.index + end[0].length), 'latin1'));
        if (rest.length) out.write(rest);
      });
      cgi.stdout.on('end', () => {
        if (!headersDone) out.statusCode = 500;
        out.end();
        resolve();
      });
    });
  }

  close(): void {
    if (this.root) rmSync(this.root, { recursive: true, force: true });
  }
}
