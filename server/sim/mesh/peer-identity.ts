// Who is calling, taken from the connection. The simulated pod network runs on loopback sockets,
// so a server cannot see the caller's pod IP in the socket's address. The mesh opens every
// connection that carries a pod identity and records it here by the connection's local address
// and port; a server looks its socket's remote end up. Nothing a client writes (no header) can
// claim an identity: a connection the mesh did not open has none.
import { Agent, type AgentOptions, type ClientRequestArgs } from 'node:http';
import { connect, type Socket } from 'node:net';

/** `127.0.0.1:54321` (the client socket's local end) → the pod IP it speaks for. */
const peers = new Map<string, string>();

function key(address: string | undefined, port: number | undefined): string {
  return `${(address ?? '').replace(/^::ffff:/, '')}:${port ?? 0}`;
}

/**
 * A TCP connection that speaks for `peerIP`. The identity is recorded as soon as the socket is
 * connected (this listener runs before any queued write, so before the server can read a byte)
 * and forgotten when it closes.
 */
export function connectAs(peerIP: string, host: string, port: number): Socket {
  const socket = connect({ host, port });
  let k: string | undefined;
  socket.once('connect', () => {
    k = key(socket.localAddress, socket.localPort);
    peers.set(k, peerIP);
  });
  socket.once('close', () => {
    if (k && peers.get(k) === peerIP) peers.delete(k);
  });
  return socket;
}

/** The pod IP a connection accepted by a simulated server speaks for, if the mesh opened it. */
export function peerOf(socket: Socket): string | undefined {
  return peers.get(key(socket.remoteAddress, socket.remotePort));
}

/** Test seam: how many connections currently carry an identity. */
export function peerConnectionCount(): number {
  return peers.size;
}

type PeerRequestArgs = ClientRequestArgs & { peer?: string };

/**
 * An http.Agent whose pooled connections each speak for one peer: the pool is keyed by peer as
 * well as by origin, so a kept-alive socket opened for one pod is never reused for another.
 * Requests pass `peer` in their options; without it a connection has no identity.
 */
export class PeerAgent extends Agent {
  constructor(options?: AgentOptions) {
    super(options);
  }

  override getName(options?: PeerRequestArgs): string {
    return `${super.getName(options)}|peer=${options?.peer ?? ''}`;
  }
}

// Agent.createConnection is public API but not in every @types/node; set it on the prototype.
(PeerAgent.prototype as unknown as { createConnection: (o: PeerRequestArgs & { host?: string; port?: number }) => Socket }).createConnection = (o) => {
  const host = o.host ?? '127.0.0.1';
  const port = Number(o.port);
  return o.peer ? connectAs(o.peer, host, port) : connect({ host, port });
};
