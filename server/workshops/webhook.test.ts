// The webhook against a receiver on 127.0.0.1: signed bodies, retries on server errors, no
// retries on a refusal, and configuration errors that say what to change.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, Webhook, parseWebhookConfig, webhookFromEnv } from './webhook.ts';

const SECRET = 'webhook-secret-for-tests-0123';

/** What a receiver does: recompute the HMAC over the raw body and compare in constant time. */
function verified(headers: IncomingHttpHeaders, body: string, secret = SECRET): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(String(headers[SIGNATURE_HEADER] ?? ''));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe('workshop webhook', () => {
  let server: Server;
  let url: string;
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  /** Statuses to answer, in order; 200 once they run out. */
  const answers: number[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(answers.shift() ?? 200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const make = () => new Webhook({ url, secret: SECRET, logger: pino({ level: 'silent' }), retryDelaysMs: [10, 10] });

  it('posts each event as a JSON body signed with HMAC-SHA256, in order', async () => {
    received.length = 0;
    const hook = make();
    hook.send({ type: 'attendee.joined', workshopId: 'w1', attendee: { id: 'a1', name: 'Ada' } });
    hook.send({ type: 'step.passed', workshopId: 'w1', attendee: { id: 'a1', name: 'Ada' }, lab: 'ingress-gateway', step: 'deploy-httpbin', solvedWithSolve: false });
    await hook.flushed();
    expect(received.map((r) => r.headers[EVENT_HEADER])).toEqual(['attendee.joined', 'step.passed']);
    for (const r of received) {
      expect(verified(r.headers, r.body)).toBe(true);
      expect(verified(r.headers, r.body, 'another-secret-another')).toBe(false);
      expect(verified(r.headers, r.body.replace('Ada', 'Eve'))).toBe(false);
      expect(JSON.parse(r.body).id).toBe(r.headers[DELIVERY_HEADER]);
    }
    expect(JSON.parse(received[1]!.body)).toMatchObject({ type: 'step.passed', workshopId: 'w1', lab: 'ingress-gateway', step: 'deploy-httpbin', at: expect.any(String) });
  });

  it('retries a server error and a timeout-like 503, but not a refusal', async () => {
    received.length = 0;
    const hook = make();
    answers.push(500, 503);
    hook.send({ type: 'hand.raised', workshopId: 'w1', attendee: { id: 'a1', name: 'Ada' } });
    await hook.flushed();
    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => r.headers[DELIVERY_HEADER])).size).toBe(1);
    received.length = 0;
    answers.push(400);
    hook.send({ type: 'workshop.ended', workshopId: 'w1', title: 'Ingress' });
    await hook.flushed();
    expect(received).toHaveLength(1);
  });

  it('gives up after the retries when the receiver is down, without throwing', async () => {
    const hook = new Webhook({ url: 'http://127.0.0.1:1/hook', secret: SECRET, logger: pino({ level: 'silent' }), retryDelaysMs: [5] });
    hook.send({ type: 'workshop.ended', workshopId: 'w1', title: 'Ingress' });
    await expect(hook.flushed()).resolves.toBeUndefined();
  });

  it.each([
    ['not a url', SECRET, /not a URL/],
    ['ftp://example.org/x', SECRET, /http: or https:/],
    ['https://lms.example.org/hook', 'short', /at least 16/],
  ])('refuses the configuration %s', (u, secret, problem) => {
    expect(() => parseWebhookConfig(u, secret)).toThrow(problem);
  });

  it('is off without MESHLAB_WORKSHOP_WEBHOOK_URL', () => {
    expect(webhookFromEnv({})).toBeUndefined();
    expect(webhookFromEnv({ MESHLAB_WORKSHOP_WEBHOOK_URL: url, MESHLAB_WORKSHOP_WEBHOOK_SECRET: SECRET })).toEqual({ url, secret: SECRET });
  });
});
