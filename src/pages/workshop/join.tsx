// The attendee's side of a workshop: join with the code and a display name, then a banner with
// the workshop, the time left and the instructor's messages, a raise-hand button and the first lab.
import React, { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import Link from '@docusaurus/Link';
import Translate, { translate } from '@docusaurus/Translate';
import useBaseUrl from '@docusaurus/useBaseUrl';
import Layout from '@theme/Layout';

interface Banner {
  workshop: { id: string; title: string; labs: string[]; endsAt: string | null; endedAt: string | null };
  attendee: { id: string; name: string; handRaised: boolean };
  messages: { id: number; message: string; at: string }[];
  environment?: { rebuilt: boolean; message?: string };
}

function timeLeft(endsAt: string | null, now: number): string | null {
  if (!endsAt) return null;
  const ms = Date.parse(endsAt) - now;
  if (ms <= 0) return '0:00';
  const m = Math.floor(ms / 60_000);
  return `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}`;
}

export default function JoinWorkshop(): ReactNode {
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [banner, setBanner] = useState<Banner | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [now, setNow] = useState(Date.now());
  const docs = useBaseUrl('/docs/');

  useEffect(() => {
    setCode(new URLSearchParams(window.location.search).get('code') ?? '');
    void fetch('/api/workshops/me').then(async (r) => (r.ok ? setBanner((await r.json()) as Banner) : undefined));
    const t = setInterval(() => setNow(Date.now()), 15_000);
    return () => clearInterval(t);
  }, []);

  useEffect(() => {
    if (!banner) return;
    if (banner.environment?.rebuilt && banner.environment.message) setNotice(banner.environment.message);
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/workshops/attendee-live`);
    ws.onmessage = (e) => {
      const m = JSON.parse(String(e.data)) as { type: string; message?: unknown } & Partial<Banner>;
      if (m.type === 'banner') setBanner((b) => ({ ...(b as Banner), workshop: m.workshop!, attendee: m.attendee!, messages: m.messages! }));
      if (m.type === 'message') setBanner((b) => (b ? { ...b, messages: [...b.messages, m.message as Banner['messages'][number]] } : b));
      if (m.type === 'reset' || m.type === 'ended') setNotice(String(m.message));
    };
    return () => ws.close();
  }, [banner?.attendee.id]);

  async function join(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const res = await fetch('/api/workshops/join', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, name }) });
    const body = (await res.json()) as { error?: string };
    if (!res.ok) return setError(body.error ?? `HTTP ${res.status}`);
    const me = await fetch('/api/workshops/me');
    if (me.ok) setBanner((await me.json()) as Banner);
  }

  async function hand(raised: boolean) {
    if (!banner) return;
    const res = await fetch(`/api/workshops/${banner.workshop.id}/attendees/${banner.attendee.id}/hand`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ raised }) });
    if (res.ok) setBanner({ ...banner, attendee: { ...banner.attendee, handRaised: raised } });
  }

  const left = banner && timeLeft(banner.workshop.endsAt, now);
  return (
    <Layout title={translate({ id: 'workshop.join.title', message: '加入工作坊' })}>
      <main className="container margin-vert--lg" style={{ maxWidth: 720 }}>
        {!banner ? (
          <form onSubmit={(e) => void join(e)} aria-labelledby="join-heading">
            <h1 id="join-heading">
              <Translate id="workshop.join.heading">加入工作坊</Translate>
            </h1>
            <p>
              <label>
                <Translate id="workshop.join.code">加入码</Translate>{' '}
                <input name="code" value={code} onChange={(e) => setCode(e.target.value)} autoComplete="off" required maxLength={12} />
              </label>
            </p>
            <p>
              <label>
                <Translate id="workshop.join.name">显示名称</Translate>{' '}
                <input name="name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={60} />
              </label>
            </p>
            <button className="button button--primary" type="submit">
              <Translate id="workshop.join.submit">加入</Translate>
            </button>
            {error && (
              <p role="alert" className="text--danger">
                {error}
              </p>
            )}
          </form>
        ) : (
          <section aria-label={translate({ id: 'workshop.banner.label', message: '工作坊' })} data-testid="workshop-banner">
            <h1>{banner.workshop.title}</h1>
            <p>
              <Translate id="workshop.banner.you" values={{ name: banner.attendee.name }}>{'你好，{name}'}</Translate>
              {left && (
                <>
                  {' · '}
                  <Translate id="workshop.banner.left" values={{ left }}>{'剩余时间 {left}'}</Translate>
                </>
              )}
            </p>
            {notice && (
              <p role="status" className="alert alert--warning">
                {notice}
              </p>
            )}
            <ul aria-live="polite" data-testid="workshop-messages">
              {banner.messages.map((m) => (
                <li key={m.id}>{m.message}</li>
              ))}
            </ul>
            <p>
              <button className="button button--secondary" type="button" onClick={() => void hand(!banner.attendee.handRaised)} aria-pressed={banner.attendee.handRaised}>
                {banner.attendee.handRaised ? <Translate id="workshop.banner.lower">放下手</Translate> : <Translate id="workshop.banner.raise">举手求助</Translate>}
              </button>{' '}
              {banner.workshop.labs[0] && (
                <Link className="button button--primary" to={`${docs}${banner.workshop.labs[0]}`}>
                  <Translate id="workshop.banner.start">开始第一个实验</Translate>
                </Link>
              )}
            </p>
          </section>
        )}
      </main>
    </Layout>
  );
}
