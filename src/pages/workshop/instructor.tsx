// The instructor's dashboard: create a workshop, then a live grid of attendees by steps pushed
// over the dashboard WebSocket (never polled), with reset, broadcast, revoke and export.
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import Translate, { translate } from '@docusaurus/Translate';
import useBaseUrl from '@docusaurus/useBaseUrl';
import Layout from '@theme/Layout';
import AttendeeTerminal from '@theme/AttendeeTerminal';
import QRCode from 'qrcode';

interface Row {
  id: string;
  name: string;
  lab: string | null;
  step: string | null;
  stepsDone: number;
  failedChecks: number;
  handRaised: boolean;
  currentStepSince: string;
  steps: { lab: string; step: string; state: 'pending' | 'failed' | 'passed' }[];
}
interface View {
  id: string;
  title: string;
  seats: number;
  endsAt: string | null;
  joinCode: string;
  codeRevoked: boolean;
  steps: { lab: string; step: string }[];
  attendees: Row[];
}

const MARK = { passed: '✔', failed: '✘', pending: '·' } as const;

/** The join URL as a QR code to project: attendees scan it instead of typing the code. */
function JoinQr({ url }: { url: string }): ReactNode {
  const [svg, setSvg] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    void QRCode.toString(url, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }).then((s) => current && setSvg(s));
    return () => void (current = false);
  }, [url]);
  if (!svg) return null;
  return (
    <img
      src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`}
      width={220}
      height={220}
      alt={translate({ id: 'workshop.instructor.qr', message: '加入链接的二维码：{url}' }, { url })}
      data-testid="workshop-qr"
      style={{ background: '#fff', padding: 4 }}
    />
  );
}

export default function InstructorDashboard(): ReactNode {
  const [token, setToken] = useState('');
  const [workshops, setWorkshops] = useState<{ id: string; title: string; joinCode: string }[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [view, setView] = useState<View | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState('');
  const [watching, setWatching] = useState<{ id: string; name: string } | null>(null);
  const [now, setNow] = useState(Date.now());
  const joinPath = useBaseUrl('/workshop/join');

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(path, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) throw new Error(String(json.error ?? `HTTP ${res.status}`));
    return json;
  };
  const run = (fn: () => Promise<unknown>) => void fn().then(() => setError(null), (e: Error) => setError(e.message));

  useEffect(() => {
    setToken(sessionStorage.getItem('meshlab-instructor-token') ?? '');
    const t = setInterval(() => setNow(Date.now()), 10_000);
    return () => clearInterval(t);
  }, []);

  useEffect(() => {
    if (!selected || !token) return;
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/workshops/live`);
    ws.onopen = () => ws.send(JSON.stringify({ token, workshopId: selected }));
    ws.onmessage = (e) => {
      const m = JSON.parse(String(e.data)) as { type: string; workshop: View };
      if (m.type === 'workshop') setView(m.workshop);
    };
    ws.onclose = (e) => e.code >= 4400 && setError(e.reason);
    return () => ws.close();
  }, [selected, token]);

  function signIn(e: FormEvent) {
    e.preventDefault();
    sessionStorage.setItem('meshlab-instructor-token', token);
    run(async () => setWorkshops(((await api('GET', '/api/workshops')).workshops as typeof workshops) ?? []));
  }

  function create(e: FormEvent) {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    run(async () => {
      const body = { title: String(form.get('title')), labs: String(form.get('labs')).split(/[\s,]+/).filter(Boolean), seats: Number(form.get('seats')) };
      const made = await api('POST', '/api/workshops', body);
      setWorkshops(((await api('GET', '/api/workshops')).workshops as typeof workshops) ?? []);
      setSelected(String(made.id));
    });
  }

  async function download(kind: 'csv' | 'json') {
    const res = await fetch(`/api/workshops/${selected}/export.${kind}`, { headers: { authorization: `Bearer ${token}` } });
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = `workshop-${selected}.${kind}`;
    a.click();
    URL.revokeObjectURL(url);
  }

  const joinUrl = view ? `${location.origin}${joinPath}?code=${view.joinCode}` : '';
  return (
    <Layout title={translate({ id: 'workshop.instructor.title', message: '讲师面板' })}>
      <main className="container margin-vert--lg">
        <h1>
          <Translate id="workshop.instructor.heading">讲师面板</Translate>
        </h1>
        <form onSubmit={signIn}>
          <label>
            <Translate id="workshop.instructor.token">讲师令牌（meshlab serve 启动时打印）</Translate>{' '}
            <input type="password" value={token} onChange={(e) => setToken(e.target.value)} autoComplete="off" />
          </label>{' '}
          <button className="button button--secondary button--sm" type="submit">
            <Translate id="workshop.instructor.signin">登录</Translate>
          </button>
        </form>
        {error && (
          <p role="alert" className="text--danger">
            {error}
          </p>
        )}
        <form onSubmit={create} className="margin-vert--md">
          <input name="title" required placeholder={translate({ id: 'workshop.instructor.newTitle', message: '标题' })} />{' '}
          <input name="labs" required defaultValue="ingress-gateway egress-gateway" size={32} />{' '}
          <input name="seats" type="number" min={1} max={500} defaultValue={30} style={{ width: 70 }} />{' '}
          <button className="button button--primary button--sm" type="submit">
            <Translate id="workshop.instructor.create">创建工作坊</Translate>
          </button>
        </form>
        <ul>
          {workshops.map((w) => (
            <li key={w.id}>
              <button className="button button--link" type="button" onClick={() => setSelected(w.id)}>
                {w.title} ({w.joinCode})
              </button>
            </li>
          ))}
        </ul>
        {view && (
          <section aria-label={view.title}>
            <h2>{view.title}</h2>
            <p>
              <Translate id="workshop.instructor.join" values={{ code: view.codeRevoked ? '—' : view.joinCode }}>{'加入码：{code}'}</Translate> · <code>{joinUrl}</code> ·{' '}
              {view.attendees.length}/{view.seats}
            </p>
            {!view.codeRevoked && <JoinQr url={joinUrl} />}
            <p>
              <input value={message} onChange={(e) => setMessage(e.target.value)} maxLength={500} aria-label={translate({ id: 'workshop.instructor.message', message: '广播消息' })} />{' '}
              <button className="button button--secondary button--sm" type="button" onClick={() => run(async () => (await api('POST', `/api/workshops/${view.id}/broadcast`, { message }), setMessage('')))}>
                <Translate id="workshop.instructor.broadcast">广播</Translate>
              </button>{' '}
              <button className="button button--secondary button--sm" type="button" onClick={() => run(() => api('POST', `/api/workshops/${view.id}/revoke`))}>
                <Translate id="workshop.instructor.revoke">撤销加入码</Translate>
              </button>{' '}
              <button className="button button--secondary button--sm" type="button" onClick={() => void download('csv')}>
                CSV
              </button>{' '}
              <button className="button button--secondary button--sm" type="button" onClick={() => void download('json')}>
                JSON
              </button>
            </p>
            <table data-testid="workshop-grid">
              <thead>
                <tr>
                  <th>
                    <Translate id="workshop.instructor.attendee">学员</Translate>
                  </th>
                  {view.steps.map((s) => (
                    <th key={`${s.lab}/${s.step}`} title={s.lab}>
                      {s.step}
                    </th>
                  ))}
                  <th>
                    <Translate id="workshop.instructor.onStep">当前步骤用时</Translate>
                  </th>
                  <th>
                    <Translate id="workshop.instructor.failed">失败的检查</Translate>
                  </th>
                  <th>
                    <Translate id="workshop.instructor.hand">举手</Translate>
                  </th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {view.attendees.map((a) => (
                  <tr key={a.id} data-attendee={a.name}>
                    <th scope="row">{a.name}</th>
                    {a.steps.map((s) => (
                      <td key={`${s.lab}/${s.step}`} data-state={s.state} aria-label={s.state}>
                        {MARK[s.state]}
                      </td>
                    ))}
                    <td>{Math.max(0, Math.round((now - Date.parse(a.currentStepSince)) / 60_000))} min</td>
                    <td>{a.failedChecks}</td>
                    <td data-hand={a.handRaised}>
                      {/* A word, not an emoji: fonts (projectors', Debian's Chromium here) may lack it. */}
                      {a.handRaised && (
                        <span className="badge badge--warning" style={{ whiteSpace: 'nowrap' }}>
                          <Translate id="workshop.instructor.handUp">举手了</Translate>
                        </span>
                      )}
                    </td>
                    <td>
                      <button className="button button--secondary button--sm" type="button" onClick={() => setWatching({ id: a.id, name: a.name })} aria-pressed={watching?.id === a.id}>
                        <Translate id="workshop.instructor.terminal">终端</Translate>
                      </button>{' '}
                      <button className="button button--danger button--sm" type="button" onClick={() => run(() => api('POST', `/api/workshops/${view.id}/attendees/${a.id}/reset`))}>
                        <Translate id="workshop.instructor.reset">重置</Translate>
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {watching && <AttendeeTerminal key={watching.id} token={token} workshopId={view.id} attendeeId={watching.id} name={watching.name} onClose={() => setWatching(null)} />}
          </section>
        )}
      </main>
    </Layout>
  );
}
