// A network of one's own: a sandbox runs in its own network namespace (bubblewrap
// --unshare-net: a loopback of its own and nothing else), and the only way out is this gate. On
// the host, the gate is a directory of unix sockets, one per loopback port of the learner's
// cluster the sandbox may reach (its API server, its ingress node ports, its uplink to the
// simulated internet and that uplink's DNS), each forwarding to that port on the host's
// loopback. Inside, a small forwarder (network-forwarder.ts: socat) listens on the same
// 127.0.0.1 ports and connects through the bound directory. Anything else (another learner's
// ports, the site server, a database on the host, the outside network) does not exist in there.
//
// The set of ports follows the cluster: `ports()` is polled, new ones get a socket and are
// announced on `ctl.sock` (the forwarder starts a listener for each), so a NodePort Service or
// a helm-installed gateway created later is reachable too.
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { sandboxFilesDir } from './sandbox.ts';

export type SandboxNetworkMode = 'isolated' | 'host';

/** The operator's choice of sandbox network (MESHLAB_SANDBOX_NETWORK=isolated|host). */
export function sandboxNetworkFromEnv(): SandboxNetworkMode {
  const v = process.env.MESHLAB_SANDBOX_NETWORK;
  if (v === undefined || v === '' || v === 'isolated') return 'isolated';
  if (v === 'host') return 'host';
  throw new Error(`MESHLAB_SANDBOX_NETWORK must be "isolated" or "host", not ${JSON.stringify(v)}`);
}

/** A fresh directory for one sandbox's network gate (below the sandbox files, which sandboxes can traverse). */
export function gateDirFor(): string {
  return join(sandboxFilesDir(), 'net', randomBytes(9).toString('base64url'));
}

export interface GatePorts {
  tcp: number[];
  udp: number[];
}

export interface NetworkGateOptions {
  /** A fresh directory for the gate's sockets (created; removed on close). */
  dir: string;
  /** The loopback ports the sandbox may reach, read again every `refreshMs`. */
  ports: () => GatePorts;
  /** The host uid/gid the sandbox runs as (server as root): it may connect, nobody else. */
  uid?: number;
  refreshMs?: number;
  /**
   * Whose gate this is (the learner id): every gate of one owner (their terminals and `kubectl exec`
   * commands) draws on one budget of open connections. Without it the gate has a budget of its own.
   */
  owner?: string;
  /** The budget's size when this gate creates it; default from the environment. */
  maxConnections?: number;
}

/**
 * Connections one learner's sandboxes hold open at once through their gates, unless the operator
 * says otherwise. Each costs the server three descriptors or more (the gate's two ends, the API
 * server's or the mesh's side): 50 learners at 256 stay below 40,000 of the 65,536 the server
 * raises itself to, while kubectl, helm and a lab's parallel curls need a handful.
 */
export const DEFAULT_LEARNER_CONNECTIONS = 256;
export const LEARNER_CONNECTIONS_ENV = 'MESHLAB_LEARNER_MAX_CONNECTIONS';

/** The operator's cap on one learner's open connections (MESHLAB_LEARNER_MAX_CONNECTIONS, set by `meshlab serve --learner-max-connections`). */
export function learnerConnectionsFromEnv(): number {
  const raw = process.env[LEARNER_CONNECTIONS_ENV];
  if (raw === undefined || raw === '') return DEFAULT_LEARNER_CONNECTIONS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${LEARNER_CONNECTIONS_ENV} must be a whole number of 1 or more, not ${JSON.stringify(raw)}`);
  return n;
}

/** Open connections of one owner's gates together. */
class ConnectionBudget {
  used = 0;
  gates = 0;
  constructor(readonly max: number) {}
}

/** The budgets of owners with a gate open (an owner's entry goes with their last gate). */
const budgets = new Map<string, ConnectionBudget>();

function budgetFor(owner: string | undefined, max: number): ConnectionBudget {
  if (owner === undefined) return new ConnectionBudget(max);
  let budget = budgets.get(owner);
  if (!budget) budgets.set(owner, (budget = new ConnectionBudget(max)));
  return budget;
}

const DNS_TIMEOUT_MS = 5_000;
const MAX_DATAGRAM = 64 * 1024;

const validPort = (p: number) => Number.isInteger(p) && p > 0 && p < 65536;

export class NetworkGate {
  private readonly servers = new Map<string, Server>();
  /** Every socket the gate holds (both ends of each connection), to close them with the gate. */
  private readonly sockets = new Set<Socket>();
  /** The sandbox's side of each open connection: what the owner's budget counts. */
  private readonly clients = new Set<Socket>();
  private readonly budget: ConnectionBudget;
  private readonly controls = new Set<Socket>();
  private announced: string[] = [];
  private timer?: NodeJS.Timeout;
  private closed = false;

  private constructor(private readonly options: NetworkGateOptions) {
    this.budget = budgetFor(options.owner, options.maxConnections ?? learnerConnectionsFromEnv());
    this.budget.gates++;
  }

  /** Create the gate with the cluster's current ports; later ports are added as they appear. */
  static async open(options: NetworkGateOptions): Promise<NetworkGate> {
    const gate = new NetworkGate(options);
    try {
      mkdirSync(options.dir, { recursive: true, mode: 0o750 });
      chmodSync(options.dir, 0o750);
      if (options.uid !== undefined) chownSync(options.dir, 0, options.uid);
      await gate.listen('ctl.sock', (s) => gate.control(s));
      await gate.refresh();
    } catch (err) {
      await gate.close();
      throw err;
    }
    gate.timer = setInterval(() => void gate.refresh().catch(() => {}), options.refreshMs ?? 1000); // a failed refresh keeps the last rules; the next tick tries again
    gate.timer.unref();
    return gate;
  }

  get dir(): string {
    return this.options.dir;
  }

  /** What the forwarder listens on now, one `tcp PORT` / `udp PORT` per line. */
  get announcements(): string[] {
    return [...this.announced];
  }

  private async listen(name: string, onConnection: (s: Socket) => void): Promise<void> {
    const path = join(this.options.dir, name);
    rmSync(path, { force: true });
    // Half-open: socat shuts down its sending side after a datagram (or a client after its
    // request) and still reads the answer.
    const server = createServer({ allowHalfOpen: true }, onConnection);
    server.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
    chmodSync(path, 0o660);
    if (this.options.uid !== undefined) chownSync(path, 0, this.options.uid);
    this.servers.set(name, server);
  }

  private control(s: Socket): void {
    s.on('error', () => s.destroy());
    if (this.controls.size >= 8) return void s.destroy();
    this.controls.add(s);
    s.once('close', () => this.controls.delete(s));
    s.write(this.announced.map((l) => `${l}\n`).join(''));
    s.on('data', () => {}); // nothing to read: the forwarder only listens
  }

  private track(s: Socket): void {
    s.on('error', () => s.destroy());
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
  }

  /** A new connection from the sandbox, refused (closed at once) over the cap. */
  private admit(client: Socket): boolean {
    if (this.budget.used >= this.budget.max) {
      client.on('error', () => {});
      client.destroy();
      return false;
    }
    this.track(client);
    this.clients.add(client);
    this.budget.used++;
    client.once('close', () => {
      this.clients.delete(client);
      this.budget.used--;
    });
    return true;
  }

  /** Connections open through this gate now. */
  get openConnections(): number {
    return this.clients.size;
  }

  private tcp(port: number) {
    return (client: Socket) => {
      if (!this.admit(client)) return;
      const upstream = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
      this.track(upstream);
      upstream.once('connect', () => {
        client.pipe(upstream);
        upstream.pipe(client);
      });
      // An error or reset on either side resets the other; a clean end travels through the pipes.
      upstream.once('close', () => client.destroy());
      client.once('close', () => upstream.destroy());
    };
  }

  /** One DNS query per connection (the forwarder forks per datagram): send it, return the answer. */
  private udp(port: number) {
    return (client: Socket) => {
      if (!this.admit(client)) return;
      const dgram = createSocket('udp4');
      const done = () => {
        clearTimeout(timer);
        try {
          dgram.close();
        } catch {
          // closed already
        }
        client.end();
      };
      const timer = setTimeout(done, DNS_TIMEOUT_MS);
      dgram.on('error', done);
      dgram.on('message', (msg) => {
        client.write(msg);
        done();
      });
      client.once('data', (query: Buffer) => {
        if (query.length > MAX_DATAGRAM) return done();
        dgram.send(query, port, '127.0.0.1');
      });
      client.once('close', done);
    };
  }

  /** Add sockets for ports the cluster gained and announce them. Ports that went away stay (they refuse upstream). */
  async refresh(): Promise<void> {
    if (this.closed) return;
    const { tcp, udp } = this.options.ports();
    const added: string[] = [];
    for (const [proto, list] of [['tcp', tcp], ['udp', udp]] as const) {
      for (const port of new Set(list)) {
        const name = `${proto}-${port}.sock`;
        if (!validPort(port) || this.servers.has(name)) continue;
        await this.listen(name, proto === 'tcp' ? this.tcp(port) : this.udp(port));
        added.push(`${proto} ${port}`);
      }
    }
    if (added.length === 0) return;
    this.announced.push(...added);
    writeFileSync(join(this.options.dir, 'ports'), this.announced.map((l) => `${l}\n`).join(''), { mode: 0o644 });
    for (const c of this.controls) c.write(added.map((l) => `${l}\n`).join(''));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    if (--this.budget.gates === 0 && this.options.owner !== undefined && budgets.get(this.options.owner) === this.budget) budgets.delete(this.options.owner);
    for (const s of [...this.sockets, ...this.controls]) s.destroy();
    await Promise.all([...this.servers.values()].map((s) => new Promise<void>((r) => s.close(() => r()))));
    rmSync(this.options.dir, { recursive: true, force: true });
  }
}
