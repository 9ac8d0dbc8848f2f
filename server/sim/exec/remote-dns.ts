// A name server for proxychains-ng's "proxy_dns_daemon" mode, so an intercepted process resolves
// names the way its pod (or the learner's laptop) would: proxychains sends each getaddrinfo()
// name here (ATM_GETIP) and, before connecting to an address in its remote_dns_subnet, asks
// which name it stands for (ATM_GETNAME). A name we do not know gets no address, so the
// application sees a DNS failure (curl: exit 6, "Could not resolve host").
//
// Wire format (proxychains-ng src/remotedns.h): 1 byte message type, 1 reserved byte, a 2-byte
// big-endian data length, then the data: a NUL-terminated host name (at most 256 bytes) or a
// 4-byte IPv4 address in network order. The reply reuses the layout; a length other than 4 for
// GETIP (or 0 for GETNAME) means failure.
import { createSocket, type Socket } from 'node:dgram';

export const ATM_GETIP = 0;
export const ATM_GETNAME = 1;
const HEADER = 4;
const MAX_NAME = 256;

export interface NameTable {
  /** The IPv4 address a name resolves to, or undefined (DNS failure). */
  addressOf(name: string): string | undefined;
  /** The name to connect to for an address in the remote DNS subnet (may be the address itself). */
  nameOf(address: string): string | undefined;
}

function ipToBytes(ip: string): Buffer | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return Buffer.from(parts.map(Number));
}

/** The reply for one request datagram, or undefined to stay silent (malformed input). */
export function answer(request: Buffer, table: NameTable): Buffer | undefined {
  if (request.length < HEADER) return undefined;
  const type = request[0];
  const length = request.readUInt16BE(2);
  const data = request.subarray(HEADER, HEADER + length);
  if (data.length !== length) return undefined;
  const reply = (payload: Buffer) => {
    const out = Buffer.alloc(HEADER + payload.length);
    out[0] = type!;
    out.writeUInt16BE(payload.length, 2);
    payload.copy(out, HEADER);
    return out;
  };
  if (type === ATM_GETIP) {
    if (length < 1 || length > MAX_NAME) return reply(Buffer.alloc(0));
    const nul = data.indexOf(0);
    const name = data.subarray(0, nul === -1 ? data.length : nul).toString('latin1');
    let ip: string | undefined;
    try {
      ip = table.addressOf(name);
    } catch {
      ip = undefined; // a name the cluster cannot resolve: answered as not found
    }
    const bytes = ip === undefined ? undefined : ipToBytes(ip);
    return reply(bytes ?? Buffer.alloc(0));
  }
  if (type === ATM_GETNAME) {
    if (length !== 4) return reply(Buffer.alloc(0));
    const ip = [...data].join('.');
    let name: string | undefined;
    try {
      name = table.nameOf(ip);
    } catch {
      name = undefined; // an address the cluster does not know: answered as not found
    }
    if (!name || Buffer.byteLength(name, 'latin1') >= MAX_NAME) return reply(Buffer.alloc(0));
    return reply(Buffer.concat([Buffer.from(name, 'latin1'), Buffer.from([0])]));
  }
  return undefined;
}

export interface RemoteDnsServer {
  port: number;
  close(): Promise<void>;
}

/** Serve `table` on a loopback UDP port. */
export function startRemoteDns(table: NameTable): Promise<RemoteDnsServer> {
  return new Promise((resolve, reject) => {
    const socket: Socket = createSocket('udp4');
    socket.once('error', reject);
    socket.on('message', (msg, rinfo) => {
      if (rinfo.address !== '127.0.0.1' || msg.length > HEADER + 260) return;
      const out = answer(msg, table);
      if (out) socket.send(out, rinfo.port, rinfo.address);
    });
    socket.bind(0, '127.0.0.1', () => {
      socket.removeListener('error', reject);
      socket.on('error', () => {});
      resolve({
        port: socket.address().port,
        close: () => new Promise<void>((r) => socket.close(() => r())),
      });
    });
  });
}
