// Who may talk to the site server, decided before any route runs. A Host allowlist stops DNS
// rebinding (a foreign name resolving to this machine gets nothing, not even a cookie); every
// state-changing request and every WebSocket must come from an allowed origin, since SameSite
// cookies are still sent by pages on another port of the same host (same-site is not same-origin).
import type { IncomingMessage } from 'node:http';

export const LOCAL_HOSTNAMES = ['localhost', '127.0.0.1', '[::1]'];

export interface EdgePolicyOptions {
  /** The port the server listens on (the origin's port for local names). */
  port: number;
  /** Host names allowed besides the local ones (`--allow-host`). */
  allowHosts?: string[];
  /** The deployment's public URL (`--public-url`): its host and origin are allowed. */
  publicUrl?: string;
  /** Extra origins (`--allow-origin`). */
  allowOrigins?: string[];
}

/** `example.com:8080` → `example.com`, `[::1]:3000` → `[::1]`; lower-cased. */
export function hostnameOf(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.lastIndexOf(':');
  return colon >= 0 ? h.slice(0, colon) : h;
}

export class EdgePolicy {
  private readonly hosts: Set<string>;
  private readonly origins: Set<string>;

  constructor(options: EdgePolicyOptions) {
    this.hosts = new Set(LOCAL_HOSTNAMES);
    this.origins = new Set();
    for (const name of LOCAL_HOSTNAMES) this.origins.add(`http://${name}:${options.port}`);
    for (const h of options.allowHosts ?? []) {
      const name = hostnameOf(h);
      this.hosts.add(name);
      this.origins.add(`http://${name}:${options.port}`);
      this.origins.add(`https://${name}:${options.port}`);
    }
    if (options.publicUrl) {
      const url = new URL(options.publicUrl);
      this.hosts.add(url.hostname.toLowerCase());
      this.origins.add(url.origin);
    }
    for (const o of options.allowOrigins ?? []) {
      const url = new URL(o);
      this.origins.add(url.origin);
      this.hosts.add(url.hostname.toLowerCase());
    }
  }

  get allowedHosts(): string[] {
    return [...this.hosts];
  }

  /** Whether the request names an allowed host (HTTP/1.1 always sends Host). */
  hostAllowed(req: IncomingMessage): boolean {
    const host = req.headers.host;
    return typeof host === 'string' && this.hosts.has(hostnameOf(host));
  }

  originAllowed(origin: string): boolean {
    try {
      return this.origins.has(new URL(origin).origin);
    } catch { // an Origin that is not a URL is no allowed origin
      return false;
    }
  }

  /**
   * For state-changing requests: an allowed Origin, or Sec-Fetch-Site same-origin when a browser
   * sent no Origin. Requests with neither come from programs, not pages (a browser sends Origin on
   * every cross-origin and every non-GET fetch), so they cannot be forged by a page.
   */
  sameOrigin(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (typeof origin === 'string') return origin !== 'null' && this.originAllowed(origin);
    const site = req.headers['sec-fetch-site'];
    if (typeof site === 'string') return site === 'same-origin';
    return true;
  }

  /** WebSockets always come with an Origin from browsers; one is required. */
  webSocketAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    return typeof origin === 'string' && this.originAllowed(origin);
  }
}
