// `meshlab serve`: what `npm start` runs. Builds the site if needed, then serves site, API and
// terminals on one port, with a cluster per visitor from the chosen driver.
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { createSiteServer, type RouteModule } from '../../api/app.ts';
import type { ServerConfig } from '../../api/context.ts';
import { createDriver } from '../../drivers/registry.ts';
import type { DriverName } from '../../drivers/types.ts';
import { PROJECT_ROOT, dataDir as defaultDataDir } from '../../tools/binaries.ts';
import { createLogger } from '../../util/logger.ts';
import { buildSite, siteBuildState } from '../site-build.ts';
import { parseCount, parseDriverName, parsePort, parsePositiveCount, parseUrl } from '../options.ts';
import { API_LIMIT_ENV } from '../../sim/apiserver/limits.ts';
import { DEFAULT_API_LIMITS } from '../../sim/apiserver/limits.ts';
import { checkedQuota, homeQuotaFromEnv } from '../../sandbox/home-disk.ts';
import { DEFAULT_ENVIRONMENT_LIMITS } from '../../api/learners.ts';
import { raiseDescriptorLimit } from './descriptor-limit.ts';
import { DEFAULT_REQUESTS_PER_MINUTE } from '../../api/request-rate-limit.ts';
import { DEFAULT_LEARNER_CONNECTIONS, LEARNER_CONNECTIONS_ENV } from '../../sandbox/network-gate.ts';
import { OUTSIDE_NETWORK_ENV, outsideNetworkFromEnv, outsideNetworkProblem } from '../../sandbox/outside-network.ts';

interface ServeOptions {
  port: number;
  host: string;
  driver: DriverName;
  dataDir?: string;
  build: boolean;
  unsafeNoSandbox: boolean;
  allowOrigin: string[];
  allowHost: string[];
  publicUrl?: string;
  maxClusters: number;
  idleMinutes: number;
  clustersPerMinute: number;
  clustersPerSessionPerMinute: number;
  homeQuotaMb: number;
  apiMaxInflight: number;
  apiMaxConnections: number;
  apiMaxObjects: number;
  apiMaxObjectBytes: number;
  requestsPerMinute: number;
  trustProxy: string[];
  learnerMaxConnections: number;
  sandboxOutsideNetwork: boolean;
  kubeconfig?: string;
  context?: string;
  ingress?: string;
}

function envList(name: string): string[] {
  return (process.env[name] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

function envCount(name: string, fallback: number): number {
  const raw = process.env[name];
  return raw === undefined || raw === '' ? fallback : parseCount(raw);
}

function envPositive(name: string, fallback: number): number {
  const raw = process.env[name];
  return raw === undefined || raw === '' ? fallback : parsePositiveCount(raw);
}

function maybe<T>(parse: (v: string) => T, raw: string | undefined): T | undefined {
  return raw ? parse(raw) : undefined;
}

async function loadRoutes(): Promise<RouteModule[]> {
  const { registerTerminalRoutes } = await import('../../api/terminal-routes.ts');
  const { registerLabRoutes } = await import('../../api/lab-routes.ts');
  const { registerWorkshopRoutes } = await import('../../api/workshop-routes.ts');
  const { registerTrafficRoutes } = await import('../../api/traffic-routes.ts');
  return [registerTerminalRoutes, registerLabRoutes, registerWorkshopRoutes, registerTrafficRoutes];
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
    .option('--allow-origin <origin...>', 'extra origins allowed to open terminal WebSockets and change state', [])
    .option('--allow-host <name...>', 'host names the server answers to besides localhost, 127.0.0.1 and [::1] (env MESHLAB_ALLOW_HOSTS, comma-separated)', envList('MESHLAB_ALLOW_HOSTS'))
    .option('--public-url <url>', 'the URL learners open, for a deployment (its host and origin are allowed; env MESHLAB_PUBLIC_URL)', maybe(parseUrl, process.env.MESHLAB_PUBLIC_URL))
    .option('--max-clusters <n>', 'learner clusters at once (env MESHLAB_MAX_CLUSTERS)', parseCount, envCount('MESHLAB_MAX_CLUSTERS', DEFAULT_ENVIRONMENT_LIMITS.maxClusters))
    .option('--idle-minutes <n>', 'reclaim a cluster and home unused this long; progress stays (env MESHLAB_IDLE_MINUTES)', parseCount, envCount('MESHLAB_IDLE_MINUTES', DEFAULT_ENVIRONMENT_LIMITS.idleMs / 60_000))
    .option('--clusters-per-minute <n>', 'new clusters a minute, whole server (env MESHLAB_CLUSTERS_PER_MINUTE)', parseCount, envCount('MESHLAB_CLUSTERS_PER_MINUTE', DEFAULT_ENVIRONMENT_LIMITS.clustersPerMinute))
    .option('--clusters-per-session-per-minute <n>', 'new clusters a minute for one session (env MESHLAB_CLUSTERS_PER_SESSION_PER_MINUTE)', parseCount, envCount('MESHLAB_CLUSTERS_PER_SESSION_PER_MINUTE', DEFAULT_ENVIRONMENT_LIMITS.clustersPerSessionPerMinute))
    .option('--home-quota-mb <n>', 'size of each learner home\'s own file system, MiB; 0: no quota across files (env MESHLAB_HOME_QUOTA_MB)', parseCount, homeQuotaFromEnv() / 1024 ** 2)
    .option('--api-max-inflight <n>', `requests one cluster's API server serves at once, more get 429 (env ${API_LIMIT_ENV.maxInFlight})`, parseCount, envCount(API_LIMIT_ENV.maxInFlight, DEFAULT_API_LIMITS.maxInFlight))
    .option('--api-max-connections <n>', `open connections to one cluster's API server (env ${API_LIMIT_ENV.maxConnections})`, parseCount, envCount(API_LIMIT_ENV.maxConnections, DEFAULT_API_LIMITS.maxConnections))
    .option('--api-max-objects <n>', `objects in one cluster when no ResourceQuota says otherwise (env ${API_LIMIT_ENV.maxObjects})`, parseCount, envCount(API_LIMIT_ENV.maxObjects, DEFAULT_API_LIMITS.objectBudget.maxObjects))
    .option('--api-max-object-bytes <n>', `bytes of objects in one cluster (env ${API_LIMIT_ENV.maxObjectBytes})`, parseCount, envCount(API_LIMIT_ENV.maxObjectBytes, DEFAULT_API_LIMITS.objectBudget.maxBytes))
    .option('--requests-per-minute <n>', 'HTTP requests one client address may make a minute, more get 429; 0: no limit (env MESHLAB_REQUESTS_PER_MINUTE)', parseCount, envCount('MESHLAB_REQUESTS_PER_MINUTE', DEFAULT_REQUESTS_PER_MINUTE))
    .option('--trust-proxy <addr...>', 'addresses or CIDR ranges of reverse proxies whose X-Forwarded-For names the client (env MESHLAB_TRUST_PROXY, comma-separated)', envList('MESHLAB_TRUST_PROXY'))
    .option('--learner-max-connections <n>', `connections one learner's terminals and kubectl exec commands hold open at once to their cluster, together (env ${LEARNER_CONNECTIONS_ENV})`, parsePositiveCount, envPositive(LEARNER_CONNECTIONS_ENV, DEFAULT_LEARNER_CONNECTIONS))
    .option('--sandbox-outside-network', `give terminals the outside network (slirp4netns; never the host's loopback) besides their cluster (env ${OUTSIDE_NETWORK_ENV}=1)`, outsideNetworkFromEnv())
    .option('--kubeconfig <file>', 'existing driver: kubeconfig of the shared cluster')
    .option('--context <name>', 'existing driver: kubeconfig context')
    .option('--ingress <url>', 'existing driver: how learners reach the ingress gateway')
    .action(async (opts: ServeOptions) => {
      const dataDir = resolve(opts.dataDir ?? defaultDataDir());
      process.env.MESHLAB_DATA_DIR = dataDir;
      // Every cluster's API server reads its limits from the environment (this process's).
      process.env[API_LIMIT_ENV.maxInFlight] = String(opts.apiMaxInflight);
      process.env[API_LIMIT_ENV.maxConnections] = String(opts.apiMaxConnections);
      process.env[API_LIMIT_ENV.maxObjects] = String(opts.apiMaxObjects);
      process.env[API_LIMIT_ENV.maxObjectBytes] = String(opts.apiMaxObjectBytes);
      // Every sandbox's network gate reads the learner's budget from there too (terminals and exec'd commands).
      process.env[LEARNER_CONNECTIONS_ENV] = String(opts.learnerMaxConnections);
      process.env[OUTSIDE_NETWORK_ENV] = opts.sandboxOutsideNetwork ? '1' : '0';
      const outsideProblem = opts.sandboxOutsideNetwork ? outsideNetworkProblem() : undefined;
      if (outsideProblem) {
        console.error(`meshlab: --sandbox-outside-network: ${outsideProblem}`);
        process.exitCode = 1;
        return;
      }
      const descriptors = raiseDescriptorLimit();
      const siteDir = join(PROJECT_ROOT, 'build');
      if (opts.build) {
        const state = siteBuildState(siteDir);
        if (!state.fresh) {
          console.error(`meshlab: building the site (${state.reason}); this takes a few seconds to a minute the first time...`);
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
        allowedHosts: opts.allowHost,
        publicUrl: opts.publicUrl,
        unsafeNoSandbox: opts.unsafeNoSandbox,
        requestsPerMinute: opts.requestsPerMinute,
        trustProxy: opts.trustProxy,
        environmentLimits: {
          maxClusters: opts.maxClusters,
          idleMs: opts.idleMinutes * 60_000,
          clustersPerMinute: opts.clustersPerMinute,
          clustersPerSessionPerMinute: opts.clustersPerSessionPerMinute,
          homeQuotaBytes: checkedQuota(opts.homeQuotaMb * 1024 ** 2, '--home-quota-mb'),
        },
        instructorToken: process.env.MESHLAB_INSTRUCTOR_TOKEN || randomBytes(24).toString('base64url'),
      };
      logger.info({ descriptors, hosts: ['localhost', '127.0.0.1', '[::1]', ...opts.allowHost], publicUrl: opts.publicUrl }, 'limits');
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
      console.log(`instructor token: ${process.env.MESHLAB_INSTRUCTOR_TOKEN ? '(from MESHLAB_INSTRUCTOR_TOKEN)' : config.instructorToken}  (dashboard: ${server.url}/workshop/instructor)`);
    });
}
