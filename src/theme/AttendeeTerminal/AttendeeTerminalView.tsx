// xterm.js on the watch socket (/api/workshops/watch): the attendee's output as they see it, at
// their terminal's size, read-only; "Take over" sends the instructor's keystrokes to the shell
// (the attendee's banner says so) until "Give back" or closing the view.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import Translate, { translate } from '@docusaurus/Translate';
import { Terminal as XTerm } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { decodeOutputFrame } from '@site/server/protocol/terminal.ts';
import type { WatchServerMessage } from '@site/server/protocol/workshop.ts';
import type { AttendeeTerminalProps } from './index.tsx';
import styles from './styles.module.css';

type State = 'connecting' | 'watching' | 'closed';

export default function AttendeeTerminalView({ token, workshopId, attendeeId, name, onClose }: AttendeeTerminalProps): ReactNode {
  const hostRef = useRef<HTMLDivElement>(null);
  const wsRef = useRef<WebSocket>(null);
  const [state, setState] = useState<State>('connecting');
  const [takenOver, setTakenOver] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const term = new XTerm({
      fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
      fontSize: 13,
      lineHeight: 1.15,
      scrollback: 5000,
      cursorBlink: false,
      // Keystrokes go nowhere until the instructor takes over (the server refuses them too).
      disableStdin: true,
      theme: { background: '#0f172a', foreground: '#e2e8f0' },
    });
    term.open(host);
    // xterm stops painting while it is out of view: bring the opened view in.
    host.scrollIntoView({ block: 'nearest' });
    // Events of a socket this effect no longer owns (closed by the cleanup) change nothing.
    let current = true;
    term.textarea?.setAttribute('aria-label', translate({ id: 'workshop.watch.input', message: '学员终端的输入（接管时）' }));
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/workshops/watch`);
    ws.binaryType = 'arraybuffer';
    wsRef.current = ws;
    ws.onopen = () => ws.send(JSON.stringify({ token, workshopId, attendeeId }));
    ws.onmessage = (e) => {
      if (!current) return;
      if (e.data instanceof ArrayBuffer) {
        const frame = decodeOutputFrame(new Uint8Array(e.data));
        if (frame) term.write(frame.data);
        return;
      }
      const m = JSON.parse(String(e.data)) as WatchServerMessage;
      if (m.type === 'watching') {
        term.resize(m.cols, m.rows);
        setState('watching');
      } else if (m.type === 'takeover') {
        setTakenOver(m.active);
        term.options.disableStdin = !m.active;
        if (m.active) term.focus();
      } else if (m.type === 'exit' || m.type === 'error') setProblem(m.message);
    };
    ws.onclose = (e) => {
      if (!current) return;
      setState('closed');
      setTakenOver(false);
      if (e.code >= 4000 && e.reason) setProblem(e.reason);
    };
    const input = term.onData((data) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'input', data }));
    });
    return () => {
      current = false;
      input.dispose();
      ws.close();
      term.dispose();
    };
  }, [token, workshopId, attendeeId]);

  const send = (type: 'takeover' | 'release') => wsRef.current?.readyState === WebSocket.OPEN && wsRef.current.send(JSON.stringify({ type }));
  return (
    <section className={styles.view} aria-label={translate({ id: 'workshop.watch.label', message: '{name} 的终端' }, { name })} data-testid="attendee-terminal" data-state={state} data-takeover={takenOver}>
      <div className={styles.toolbar}>
        <strong>{translate({ id: 'workshop.watch.label', message: '{name} 的终端' }, { name })}</strong>
        <span className={styles.mode} role="status">
          {state === 'closed' ? (
            <Translate id="workshop.watch.closed">已断开</Translate>
          ) : takenOver ? (
            <Translate id="workshop.watch.typing">已接管：你的输入会进入学员的终端，学员会看到提示</Translate>
          ) : (
            <Translate id="workshop.watch.readonly">只读：你看到的就是学员看到的</Translate>
          )}
        </span>
        <span className={styles.actions}>
          <button type="button" className={`button button--sm ${takenOver ? 'button--secondary' : 'button--warning'}`} disabled={state !== 'watching'} onClick={() => send(takenOver ? 'release' : 'takeover')} aria-pressed={takenOver}>
            {takenOver ? <Translate id="workshop.watch.release">交还终端</Translate> : <Translate id="workshop.watch.takeover">接管终端</Translate>}
          </button>
          <button type="button" className="button button--sm button--secondary" onClick={onClose}>
            <Translate id="workshop.watch.close">关闭</Translate>
          </button>
        </span>
      </div>
      {problem && (
        <p role="alert" className={styles.problem}>
          {problem}
        </p>
      )}
      <div ref={hostRef} className={styles.screen} />
    </section>
  );
}
