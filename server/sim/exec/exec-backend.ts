// The contract between the API server's pods/exec subresource (which speaks the
// v5.channel.k8s.io WebSocket protocol to kubectl and client-node) and whatever runs the
// command (the workloads layer: a real process in the learner's sandbox, with the pod's
// environment and, for injected pods, its traffic sent through the pod's simulated sidecar).
import type { KubeObject } from '../store/object-store.ts';

export interface ExecRequest {
  pod: KubeObject;
  container: string;
  command: string[];
  stdin: boolean;
  tty: boolean;
}

export interface ExecIO {
  /** Data the client typed or piped (channel 0); ends when the client closes stdin. */
  stdin: AsyncIterable<Buffer> | null;
  stdout(data: Buffer): void;
  stderr(data: Buffer): void;
  /** Terminal size changes (channel 4) when tty is set. */
  onResize(listener: (size: { width: number; height: number }) => void): void;
  /** Aborted when the client goes away: the backend must kill the process. */
  signal: AbortSignal;
}

export type ExecResult =
  | { kind: 'exited'; exitCode: number }
  /** The command could not start (e.g. executable not found): kubectl shows the message. */
  | { kind: 'failed'; message: string };

export interface ExecBackend {
  exec(request: ExecRequest, io: ExecIO): Promise<ExecResult>;
}
