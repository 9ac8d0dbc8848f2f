// A real site server with the terminal routes and a fake cluster driver, for integration tests
// and the benchmark: real WebSockets, real pty, real bubblewrap.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createSiteServer, type SiteServer } from '../../api/app.ts';
import { createTerminalRoutes, type TerminalRouteOptions } from '../../api/terminal-routes.ts';
import type { ClusterDriver, ClusterHandle } from '../../drivers/types.ts';
import { TERMINAL_WS_PATH } from '../../protocol/terminal.ts';
import { TestTerminalClient } from './client.ts';

export interface Harness {
  server: SiteServer;
  dir: string;
  dataDir: string;
  origin: string;
  wsUrl: string;
  /** A new browser session: its cookie header. */
  newSession(): Promise<string>;
  open(cookie: string, origin?: string): Promise<TestTerminalClient>;
  close(): Promise<void>;
}

function fakeDriver(dir: string): ClusterDriver {
  let n = 0;
  return {
    name: 'embedded',
    parallel: true,
    async preflight() {
      return { ok: true, problems: [] };
    },
    async create(): Promise<ClusterHandle> {
      n++;
      const clusterDir = join(dir, 'clusters', `c${n}`);
      // Modes as the embedded cluster writes them: only the server can read them by default.
      mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
      writeFileSync(join(clusterDir, 'ca.key'), 'private\n', { mode: 0o600 });
      const kubeconfig = join(clusterDir, 'kubeconfig');
      writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters: []\n# cluster c${n}\n`, { mode: 0o600 });
      return {
        id: `c${n}`,
        driver: 'embedded',
        kubeconfigPath: kubeconfig,
        ingress: { host: '127.0.0.1', port: 31080 },
        shellEnv: () => ({ KUBECONFIG: kubeconfig, INGRESS_HOST: '127.0.0.1', INGRESS_PORT: '31080' }),
        reset: async () => {},
        destroy: async () => {},
      };
    },
  };
}

export interface HarnessOptions extends TerminalRouteOptions {
  unsafeNoSandbox?: boolean;
  /** A real driver instead of the fake one (its clusters live under the harness's data dir). */
  driver?: (dataDir: string) => Promise<ClusterDriver>;
  /** The labs directory (default: an empty one). */
  labsDir?: string;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'meshlab-terminals-'));
  const dataDir = join(dir, 'data');
  const server = await createSiteServer({
    config: {
      port: 0,
      host: '127.0.0.1',
      dataDir,
      siteDir: join(dir, 'site'),
      labsDir: options.labsDir ?? join(dir, 'labs'),
      allowedOrigins: [],
      unsafeNoSandbox: options.unsafeNoSandbox ?? false,
    },
    driver: options.driver ? await options.driver(dataDir) : fakeDriver(dir),
    logger: pino({ level: process.env.MESHLAB_TEST_LOG ?? 'silent' }),
    routes: [createTerminalRoutes(options)],
  });
  const address = server.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const origin = `http://127.0.0.1:${port}`;
  return {
    server,
    dir,
    dataDir,
    origin,
    wsUrl: `ws://127.0.0.1:${port}${TERMINAL_WS_PATH}`,
    newSession: () =>
      new Promise((resolve, reject) => {
        const req = request(`${origin}/healthz`, (res) => {
          res.resume();
          const set = res.headers['set-cookie']?.[0];
          if (!set) return reject(new Error('no session cookie'));
          resolve(set.split(';')[0]!);
        });
        req.on('error', reject);
        req.end();
      }),
    open: (cookie, o = origin) => TestTerminalClient.open(`ws://127.0.0.1:${port}${TERMINAL_WS_PATH}`, { cookie, origin: o }),
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
