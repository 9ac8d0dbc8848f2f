// The optional workshop webhook: attendee joined, step passed, hand raised and workshop ended,
// POSTed as JSON to one URL the operator configures, so results can flow into a spreadsheet or an
// LMS. The body is signed with HMAC-SHA256 under a shared secret (header X-Meshlab-Signature:
// sha256=<hex of the body's HMAC>), as GitHub signs its webhooks; a receiver recomputes it over the
// raw body and compares in constant time. Deliveries never hold up a route: they are queued
// (bounded), sent one at a time with a timeout and retried a few times with backoff.
import { createHmac, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';

export type WebhookEvent =
  | { type: 'attendee.joined'; workshopId: string; attendee: { id: string; name: string } }
  | { type: 'step.passed'; workshopId: string; attendee: { id: string; name: string }; lab: string; step: string; solvedWithSolve: boolean }
  | { type: 'hand.raised'; workshopId: string; attendee: { id: string; name: string } }
  | { type: 'workshop.ended'; workshopId: string; title: string };

export interface WebhookConfig {
  url: string;
  secret: string;
}

export const SIGNATURE_HEADER = 'x-meshlab-signature';
export const EVENT_HEADER = 'x-meshlab-event';
export const DELIVERY_HEADER = 'x-meshlab-delivery';

export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The webhook from the environment (MESHLAB_WORKSHOP_WEBHOOK_URL and _SECRET), or undefined when off. */
export function webhookFromEnv(env: NodeJS.ProcessEnv = process.env): WebhookConfig | undefined {
  const url = env.MESHLAB_WORKSHOP_WEBHOOK_URL;
  if (!url) return undefined;
  const secret = env.MESHLAB_WORKSHOP_WEBHOOK_SECRET ?? '';
  return parseWebhookConfig(url, secret);
}

/** Validates a webhook URL and secret; throws with what to change. */
export function parseWebhookConfig(url: string, secret: string): WebhookConfig {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`MESHLAB_WORKSHOP_WEBHOOK_URL: ${JSON.stringify(url)} is not a URL; give one such as https://lms.example.org/hooks/meshlab`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error(`MESHLAB_WORKSHOP_WEBHOOK_URL: must be http: or https:, not ${parsed.protocol}`);
  if (secret.length < 16) throw new Error('MESHLAB_WORKSHOP_WEBHOOK_SECRET: set a secret of at least 16 characters (the receiver checks the signature with it)');
  return { url: parsed.toString(), secret };
}

export interface WebhookOptions extends WebhookConfig {
  logger: Logger;
  /** Pending deliveries kept at most; beyond it the oldest are dropped (and logged). */
  maxQueue?: number;
  timeoutMs?: number;
  /** Waits before the 2nd, 3rd, ... attempt. */
  retryDelaysMs?: number[];
}

export class Webhook {
  private readonly queue: { id: string; event: string; body: string }[] = [];
  private sending = false;
  private closed = false;
  private idle: (() => void)[] = [];

  constructor(private readonly options: WebhookOptions) {}

  send(event: WebhookEvent, at = new Date()): void {
    if (this.closed) return;
    const id = randomUUID();
    this.queue.push({ id, event: event.type, body: JSON.stringify({ id, at: at.toISOString(), ...event }) });
    const max = this.options.maxQueue ?? 1000;
    while (this.queue.length > max) {
      const dropped = this.queue.shift()!;
      this.options.logger.warn({ delivery: dropped.id, event: dropped.event }, 'workshop webhook queue full: delivery dropped');
    }
    void this.drain();
  }

  /** Resolves once every queued delivery was sent or given up (tests, shutdown). */
  flushed(): Promise<void> {
    if (!this.sending && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => void this.idle.push(resolve));
  }

  close(): void {
    this.closed = true;
    this.queue.length = 0;
  }

  private async drain(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length > 0 && !this.closed) await this.deliver(this.queue.shift()!);
    } finally {
      this.sending = false;
      for (const resolve of this.idle.splice(0)) resolve();
    }
  }

  private async deliver(d: { id: string; event: string; body: string }): Promise<void> {
    const delays = this.options.retryDelaysMs ?? [1_000, 5_000, 20_000];
    for (let attempt = 0; attempt <= delays.length && !this.closed; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, delays[attempt - 1]).unref());
      try {
        const res = await fetch(this.options.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'meshlab-webhook',
            [SIGNATURE_HEADER]: signature(this.options.secret, d.body),
            [EVENT_HEADER]: d.event,
            [DELIVERY_HEADER]: d.id,
          },
          body: d.body,
          redirect: 'error',
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
        });
        await res.body?.cancel();
        if (res.ok) return;
        // A receiver that refuses the request (4xx other than 408/429) will refuse it again.
        if (res.status < 500 && res.status !== 408 && res.status !== 429) {
          this.options.logger.warn({ delivery: d.id, event: d.event, status: res.status }, 'workshop webhook refused');
          return;
        }
        this.options.logger.warn({ delivery: d.id, event: d.event, status: res.status, attempt }, 'workshop webhook failed');
      } catch (err) {
        this.options.logger.warn({ delivery: d.id, event: d.event, err: (err as Error).message, attempt }, 'workshop webhook failed');
      }
    }
  }
}
