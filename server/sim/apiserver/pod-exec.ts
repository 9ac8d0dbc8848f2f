// pods/exec over WebSocket with the Kubernetes channel protocol (v5.channel.k8s.io, also
// v4.channel.k8s.io): binary frames whose first byte is the channel — 0 stdin, 1 stdout,
// 2 stderr, 3 status (JSON Status, sent last), 4 resize; v5 adds 255 = close a channel.
// The command itself runs in the ExecBackend.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ExecBackend, ExecResult } from '../exec/exec-backend.ts';
import type { KubeObject } from '../store/object-store.ts';
import { pickContainer } from './pod-log.ts';
import { ApiError, errors } from './status.ts';
import type { UntypedObject as Obj } from '../meta/untyped.ts';

export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;

const wss = new WebSocketServer({
  noServer: true,
  maxPayload: 1024 * 1024,
  handleProtocols: (protocols) => EXEC_PROTOCOLS.find((p) => protocols.has(p)) ?? false,
});

/** Stdin as an async iterable fed by WebSocket frames; bounded so a flood cannot grow memory without end. */
class StdinQueue implements AsyncIterable<Buffer> {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  private ended = false;
  private wake: (() => void) | undefined;
  static readonly LIMIT = 8 * 1024 * 1024;

  push(data: Buffer): boolean {
    if (this.ended) return true;
    if (this.bytes + data.length > StdinQueue.LIMIT) return false;
    this.chunks.push(data);
    this.bytes += data.length;
    this.wake?.();
    return true;
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for (;;) {
      const next = this.chunks.shift();
      if (next) {
        this.bytes -= next.length;
        yield next;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((r) => (this.wake = r));
      this.wake = undefined;
    }
  }
}

export function exitStatus(result: ExecResult, command: string[]): Obj {
  if (result.kind === 'exited') {
    if (result.exitCode === 0) return { metadata: {}, status: 'Success' };
    return {
      metadata: {},
      status: 'Failure',
      message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${result.exitCode}`,
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: String(result.exitCode) }] },
    };
  }
  const message = `error executing command in container: ${result.message}`;
  return { metadata: {}, status: 'Failure', message: `Internal error occurred: ${message}`, reason: 'InternalError', details: { causes: [{ message }] }, code: 500 };
}

export interface ExecUpgrade {
  req: IncomingMessage;
  socket: Duplex;
  head: Buffer;
  url: URL;
  pod: KubeObject;
  backend: ExecBackend | undefined;
  subresource: string;
}

function running(pod: Obj, container: string): boolean {
  const st = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])].find((s: Obj) => s.name === container);
  return !!st?.state?.running;
}

export async function handleExecUpgrade(u: ExecUpgrade): Promise<void> {
  const q = u.url.searchParams;
  const pod = u.pod as Obj;
  if (u.subresource === 'attach') throw errors.badRequest('kubectl attach (and run -it) is not supported by the embedded cluster: start the pod, then use kubectl exec -it POD -- sh');
  const command = q.getAll('command');
  if (command.length === 0) throw errors.badRequest('you must specify at least 1 command');
  const container = pickContainer(pod, q.get('container'));
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') throw errors.badRequest(`cannot exec into a container in a completed pod; current phase is ${phase}`);
  if (!running(pod, container)) throw new ApiError(400, 'BadRequest', `unable to upgrade connection: container not found ("${container}")`);
  const stdin = q.get('stdin') === 'true' || q.get('stdin') === '1';
  const tty = q.get('tty') === 'true' || q.get('tty') === '1';
  const offered = String(u.req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
  if (!EXEC_PROTOCOLS.some((p) => offered.includes(p))) {
    throw errors.badRequest(`unable to upgrade connection: the client must offer one of the subprotocols ${EXEC_PROTOCOLS.join(', ')}; SPDY is not supported by this cluster`);
  }
  await new Promise<void>((resolve) => {
    wss.handleUpgrade(u.req, u.socket, u.head, (ws) => {
      resolve();
      void runExec(ws, u.backend, u.pod, container, command, stdin, tty);
    });
  });
}

async function runExec(ws: WebSocket, backend: ExecBackend | undefined, pod: KubeObject, container: string, command: string[], stdinWanted: boolean, tty: boolean): Promise<void> {
  const abort = new AbortController();
  const stdin = stdinWanted ? new StdinQueue() : null;
  const resizeListeners: ((s: { width: number; height: number }) => void)[] = [];
  const send = (channel: number, data: Buffer): void => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(Buffer.concat([Buffer.from([channel]), data]));
  };
  ws.on('message', (raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    const data = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
    if (!isBinary || data.length === 0) return;
    const channel = data[0]!;
    const payload = data.subarray(1);
    if (channel === 0) {
      if (stdin && !stdin.push(Buffer.from(payload))) ws.close(1009, 'stdin buffer full');
    } else if (channel === 4) {
      try {
        const size = JSON.parse(payload.toString('utf8')) as { Width?: unknown; Height?: unknown };
        const width = Number(size.Width);
        const height = Number(size.Height);
        if (Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0 && width < 10000 && height < 10000) {
          for (const l of resizeListeners) l({ width, height });
        }
      } catch {
        // A malformed resize is ignored, as the kubelet does.
      }
    } else if (channel === 255 && payload[0] === 0) stdin?.end();
  });
  ws.on('close', () => {
    stdin?.end();
    abort.abort();
  });
  ws.on('error', () => abort.abort());

  let result: ExecResult;
  if (!backend) result = { kind: 'failed', message: 'exec is not available in this cluster' };
  else {
    try {
      result = await backend.exec(
        { pod, container, command, stdin: stdinWanted, tty },
        {
          stdin,
          stdout: (d) => send(1, d),
          stderr: (d) => send(tty ? 1 : 2, d),
          onResize: (l) => resizeListeners.push(l),
          signal: abort.signal,
        },
      );
    } catch (err) {
      result = { kind: 'failed', message: (err as Error).message };
    }
  }
  send(3, Buffer.from(JSON.stringify(exitStatus(result, command))));
  if (ws.readyState === ws.OPEN) ws.close(1000);
}
