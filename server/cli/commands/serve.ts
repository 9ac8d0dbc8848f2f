// `meshlab serve`: what `npm start` runs. Builds the site if needed, then serves site, API and
// terminals on one port, with a cluster per visitor from the chosen driver.
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { createSiteServer, type RouteModule } from '../../api/app.ts';
import type { ServerConfig } from '../../api/context.ts';
import { createDriver } from '../../drivers/registry.ts';
import type { DriverName } from '../../drivers/types.ts';
import { PROJECT_ROOT, dataDir as defaultDataDir } from '../../tools/binaries.ts';
import { createLogger } from '../../util/logger.ts';
import { buildSite, siteBuildState } from '../site-build.ts';
import { parseDriverName, parsePort } from '../options.ts';

interface ServeOptions {
  port: number;
  host: string;
  driver: DriverName;
  dataDir?: string;
  build: boolean;
  unsafeNoSandbox: boolean;
  allowOrigin: string[];
  kubeconfig?: string;
  context?: string;
  ingress?: string;
}

async function loadRoutes(): Promise<RouteModule[]> {
  const { registerTerminalRoutes } = await import('../../api/terminal-routes.ts');
  const { registerLabRoutes } = await import('../../api/lab-routes.ts');
  return [registerTerminalRoutes, registerLabRoutes];
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve the site, the API and the terminals on one port, with a cluster per visitor')
    .option('-p, --port <n>', 'port to listen on (env PORT)', parsePort, process.env.PORT ? parsePort(process.env.PORT) : 3000)
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('-d, --driver <name>', 'cluster driver: embedded, kind or existing', parseDriverName, 'embedded')
    .option('--data-dir <dir>', 'where learner homes, clusters and progress live (env MESHLAB_DATA_DIR)')
    .option('--no-build', 'serve the existing site build even if it is stale')
    .option('--unsafe-no-sandbox', 'run terminals without bubblewrap: only for a single user on their own machine', false)
    .option('--allow-origin <origin...>', 'extra origins allowed to open terminal WebSockets', [])
    .option('--kubeconfig <file>', 'existing driver: kubeconfig of the shared cluster')
    .option('--context <name>', 'existing driver: kubeconfig context')
    .option('--ingress <url>', 'existing driver: how learners reach the ingress gateway')
    .action(async (opts: ServeOptions) => {
      const dataDir = resolve(opts.dataDir ?? defaultDataDir());
      process.env.MESHLAB_DATA_DIR = dataDir;
      const siteDir = join(PROJECT_ROOT, 'build');
      if (opts.build) {
        const state = siteBuildState(siteDir);
        if (!state.fresh) {
          console.error(`meshlab: building the site (${state.reason}); this takes about a minute the first time...`);
          await buildSite(siteDir);
        }
      }
      const logger = createLogger();
      const driver = await createDriver(opts.driver, {
        dataDir,
        kubeconfig: opts.kubeconfig,
        context: opts.context,
        ingress: opts.ingress,
        unsafeNoSandbox: opts.unsafeNoSandbox,
      });
      const preflight = await driver.preflight();
      if (!preflight.ok) {
        for (const p of preflight.problems) console.error(`meshlab: ${p.message}\n  fix: ${p.fix}`);
        process.exitCode = 1;
        return;
      }
      const config: ServerConfig = {
        port: opts.port,
        host: opts.host,
        dataDir,
        siteDir,
        labsDir: join(PROJECT_ROOT, 'labs'),
        allowedOrigins: opts.allowOrigin,
        unsafeNoSandbox: opts.unsafeNoSandbox,
      };
      const server = await createSiteServer({ config, driver, logger, routes: await loadRoutes() });
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        console.error(`\nmeshlab: ${signal}: stopping terminals and clusters...`);
        const force = setTimeout(() => process.exit(1), 10_000);
        force.unref();
        server.close().then(
          () => process.exit(0),
          (err: unknown) => {
            console.error(err);
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
      console.log(`meshlab is ready: ${server.url}  (driver: ${driver.name}; Ctrl-C to stop)`);
    });
}
