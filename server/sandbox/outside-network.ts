// The outside network, for operators who turn it on (MESHLAB_SANDBOX_OUTSIDE_NETWORK=1, `meshlab
// serve --sandbox-outside-network`): a terminal's own network namespace gets a second way out
// besides its gate, slirp4netns, a user-mode TCP/IP stack on the host that opens ordinary sockets
// for the sandbox. Started with --disable-host-loopback, its gateway (10.0.2.2) does not lead to the
// host's 127.0.0.1, so the site server, the learners' clusters and every loopback service of the
// host stay out of reach; the sandbox's own 127.0.0.1 is still its own loopback (the gate's
// forwarders). It runs in its own mount namespace without capabilities (--enable-sandbox) and a
// syscall filter (--enable-seccomp).
//
// What it does not stop: addresses the host reaches other than loopback (the LAN, a cloud's
// metadata address, a service the host binds to its public address): firewall those on the host.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';

export const OUTSIDE_NETWORK_ENV = 'MESHLAB_SANDBOX_OUTSIDE_NETWORK';
export const SLIRP4NETNS = '/usr/bin/slirp4netns';
/** The interface slirp4netns creates in the sandbox (the forwarder waits for it). */
export const OUTSIDE_INTERFACE = 'tap0';
/** slirp4netns's DNS forwarder inside the sandbox's network (to the host's resolver). */
export const OUTSIDE_DNS = '10.0.2.3';

/** Whether the operator turned the outside network on (`1`/`true` on, unset/`0`/`false` off). */
export function outsideNetworkFromEnv(): boolean {
  const v = process.env[OUTSIDE_NETWORK_ENV];
  if (v === undefined || v === '' || v === '0' || v === 'false') return false;
  if (v === '1' || v === 'true') return true;
  throw new Error(`${OUTSIDE_NETWORK_ENV} must be 1 or 0, not ${JSON.stringify(v)}`);
}

export function outsideNetworkProblem(): string | undefined {
  return existsSync(SLIRP4NETNS) ? undefined : `slirp4netns is not installed, so terminals cannot have the outside network: run \`apt-get install -y slirp4netns\` (or leave ${OUTSIDE_NETWORK_ENV} off).`;
}

export interface OutsideNetwork {
  close(): void;
}

function children(pid: number): number[] {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return stat ? stat.split(' ').map(Number) : [];
  } catch { // the process is gone: no children
    return [];
  }
}

function netns(pid: number | 'self'): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`);
  } catch { // the process is gone: no namespace
    return undefined;
  }
}

/** The first process below `root` (bubblewrap) that is in a network namespace other than ours. */
function sandboxedDescendant(root: number): number | undefined {
  const ours = netns('self');
  const queue = [root];
  for (let i = 0; i < queue.length && i < 64; i++) {
    const pid = queue[i]!;
    const ns = netns(pid);
    if (ns && ns !== ours) return pid;
    queue.push(...children(pid));
  }
  return undefined;
}

/**
 * Give the network namespace of the sandbox started as `bwrapPid` (bubblewrap, or the launcher that
 * becomes it) the outside network; resolves once the interface is up. `userns`: the server is not
 * root, so the namespace belongs to the sandbox's user namespace.
 */
export async function attachOutsideNetwork(bwrapPid: number, options: { userns?: boolean; timeoutMs?: number } = {}): Promise<OutsideNetwork> {
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  let target: number | undefined;
  while ((target = sandboxedDescendant(bwrapPid)) === undefined) {
    if (Date.now() > deadline) throw new Error('the sandbox did not start, so it could not be given the outside network');
    await new Promise((r) => setTimeout(r, 10));
  }
  const args = ['--configure', '--mtu=65520', '--disable-host-loopback', '--enable-sandbox', '--enable-seccomp', '--ready-fd=3'];
  if (options.userns) args.push(`--userns-path=/proc/${target}/ns/user`);
  args.push(String(target), OUTSIDE_INTERFACE);
  const child: ChildProcess = spawn(SLIRP4NETNS, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const close = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('slirp4netns did not configure the sandbox network in time')), Math.max(1000, deadline - Date.now()));
      child.stdio[3]!.once('data', () => {
        clearTimeout(timer);
        resolve();
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`slirp4netns exited with ${code}: ${stderr.trim().split('\n').pop() ?? ''}`));
      });
    });
  } catch (err) {
    close();
    throw err;
  }
  child.removeAllListeners('exit');
  return { close };
}
