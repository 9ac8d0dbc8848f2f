// The attendee's side of a workshop: join with the code and a display name (the code comes from
// the join URL, the QR code or the landing page), then the workshop's banner and the first lab.
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import Link from '@docusaurus/Link';
import Translate, { translate } from '@docusaurus/Translate';
import useBaseUrl from '@docusaurus/useBaseUrl';
import Layout from '@theme/Layout';
import WorkshopBanner from '@theme/WorkshopBanner';

export default function JoinWorkshop(): ReactNode {
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [joined, setJoined] = useState<boolean | null>(null);
  const [refresh, setRefresh] = useState(0);
  const nameRef = useRef<HTMLInputElement>(null);
  const docs = useBaseUrl('/docs/');

  useEffect(() => {
    const fromUrl = new URLSearchParams(window.location.search).get('code') ?? '';
    setCode(fromUrl);
    void fetch('/api/workshops/me').then((r) => {
      setJoined(r.ok);
      // With the code given, the name is all that is left to type.
      if (!r.ok && fromUrl) nameRef.current?.focus();
    });
  }, []);

  async function join(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const res = await fetch('/api/workshops/join', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: code.trim(), name }) });
    const body = (await res.json().catch(() => ({}))) as { error?: string };
    if (!res.ok) return setError(body.error ?? `HTTP ${res.status}`);
    setJoined(true);
    setRefresh((n) => n + 1);
  }

  return (
    <Layout title={translate({ id: 'workshop.join.title', message: '加入工作坊' })}>
      <main className="container margin-vert--lg" style={{ maxWidth: 720 }}>
        {joined === false && (
          <form onSubmit={(e) => void join(e)} aria-labelledby="join-heading">
            <h1 id="join-heading">
              <Translate id="workshop.join.heading">加入工作坊</Translate>
            </h1>
            <p>
              <label>
                <Translate id="workshop.join.code">加入码</Translate>{' '}
                <input name="code" value={code} onChange={(e) => setCode(e.target.value)} autoComplete="off" autoCapitalize="characters" required maxLength={12} />
              </label>
            </p>
            <p>
              <label>
                <Translate id="workshop.join.name">显示名称</Translate>{' '}
                <input ref={nameRef} name="name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={60} />
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
        )}
        {joined && (
          <WorkshopBanner
            refresh={refresh}
            headingLevel={1}
            extra={(b) =>
              b.workshop.labs[0] && (
                <Link className="button button--primary button--sm" to={`${docs}${b.workshop.labs[0]}`} data-testid="workshop-start">
                  <Translate id="workshop.banner.start">开始第一个实验</Translate>
                </Link>
              )
            }
          />
        )}
      </main>
    </Layout>
  );
}
