// The client-only part of the terminal: xterm.js with fit, web links and search, wired to a
// TerminalConnection. Loaded by index.tsx inside BrowserOnly (xterm needs the DOM).
import React, { useCallback, useEffect, useRef, useState } from 'react';
import { translate } from '@docusaurus/Translate';
import { useColorMode } from '@docusaurus/theme-common';
import useDocusaurusContext from '@docusaurus/useDocusaurusContext';
import { trafficLangOf } from '@site/server/protocol/traffic.ts';
import { Terminal as XTerm, type IMarker, type ITheme } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { WebLinksAddon } from '@xterm/addon-web-links';
import '@xterm/xterm/css/xterm.css';
import type { ErrorMessage, ExitMessage, WarningMessage } from '@site/server/protocol/terminal.ts';
import { focusTerminal, onTerminalInput, provideCommandRunner, provideFocus, revealTerminal } from './bus.ts';
import { TERMINAL_FONT_FIT, fitFontSize } from './font-fit.ts';
import { ANNOUNCE_MAX_LINES, announcementText } from './announce.ts';
import { commandStatusText } from './command-status.ts';
import { CommandRunner } from './command-runner.ts';
import { parseShellMark } from './shell-marks.ts';
import { TerminalConnection, type ConnectionState } from './connection.ts';
import styles from './styles.module.css';

export interface TerminalViewProps {
  name: string;
  lab?: string;
  /** Where F6 takes the focus when there is no element it came from (e.g. the current step). */
  leaveTo?: () => HTMLElement | null | undefined;
  /** More controls for the toolbar (the lab page's drawer toggle on a phone). */
  toolbarExtra?: React.ReactNode;
}

/** Leaves and re-enters the terminal (VS Code's convention): Tab stays the shell's completion. */
const LEAVE_KEY = 'F6';

/** The width a character takes, as a fraction of the font size, in the terminal's font. */
function cellRatio(fontFamily: string): number {
  const ctx = document.createElement('canvas').getContext('2d');
  if (!ctx) return 0.6;
  ctx.font = `100px ${fontFamily}`;
  return ctx.measureText('W'.repeat(10)).width / 1000 || 0.6;
}

const SCREEN_READER_KEY = 'meshlab.terminal.screenReaderMode';

function readScreenReaderMode(): boolean {
  try {
    return localStorage.getItem(SCREEN_READER_KEY) === 'on';
  } catch {
    return false;
  }
}

/** The end of the output between the C mark (`start`) and the cursor, and how the command ended. */
function commandAnnouncement(term: XTerm, start: IMarker, exitCode: number | undefined): string {
  const buffer = term.buffer.active;
  const cursorLine = buffer.baseY + buffer.cursorY;
  const end = buffer.cursorX > 0 ? cursorLine : cursorLine - 1;
  // A few screen lines per announced line (wrapping), never the whole scrollback.
  const from = Math.max(start.line < 0 ? 0 : start.line, end - ANNOUNCE_MAX_LINES * 4);
  const lines: { text: string; wrapped: boolean }[] = [];
  for (let i = from; i <= end; i++) {
    const line = buffer.getLine(i);
    if (line) lines.push({ text: line.translateToString(true), wrapped: line.isWrapped && i > from });
  }
  return announcementText(lines, commandStatusText({ outcome: { kind: 'finished', exitCode, durationMs: 0 } }));
}

/** Whether an element can take focus back (still on the page, shown, enabled). */
function focusable(el: Element | null | undefined): el is HTMLElement {
  return el instanceof HTMLElement && el.isConnected && el !== document.body && !el.hasAttribute('disabled') && el.getClientRects().length > 0;
}

/** xterm's vertical scrollbar, which the fit leaves out of the columns. */
const SCROLLBAR_ALLOWANCE_PX = 16;

const LIGHT: ITheme = {
  background: '#fbfbfd',
  foreground: '#1c1e21',
  cursor: '#1c1e21',
  selectionBackground: '#b4d5fe',
  // Every colour at least 4.5:1 on the background (WCAG AA); bold text uses the bright ones.
  black: '#1c1e21', red: '#c62828', green: '#2e7d32', yellow: '#8d6e00', blue: '#1565c0', magenta: '#8e24aa', cyan: '#00707a', white: '#616161',
  brightBlack: '#616161', brightRed: '#b71c1c', brightGreen: '#1b6e20', brightYellow: '#7a5f00', brightBlue: '#0d5bb5', brightMagenta: '#7b1fa2', brightCyan: '#006570', brightWhite: '#6b6b6b',
};

const DARK: ITheme = {
  background: '#1b1b1d',
  foreground: '#e3e3e3',
  cursor: '#e3e3e3',
  selectionBackground: '#3a4a63',
  black: '#1b1b1d', red: '#ef5350', green: '#66bb6a', yellow: '#fdd835', blue: '#64b5f6', magenta: '#ce93d8', cyan: '#4dd0e1', white: '#e0e0e0',
  brightBlack: '#8a8a8a', brightRed: '#ff7961', brightGreen: '#98ee99', brightYellow: '#ffff6b', brightBlue: '#9be7ff', brightMagenta: '#f3c6ff', brightCyan: '#88ffff', brightWhite: '#ffffff',
};

function stateText(state: ConnectionState): string {
  switch (state) {
    case 'connecting':
      return translate({ id: 'terminal.state.connecting', message: '正在连接…' });
    case 'connected':
      return translate({ id: 'terminal.state.connected', message: '已连接' });
    case 'reconnecting':
      return translate({ id: 'terminal.state.reconnecting', message: '正在重新连接…' });
    case 'ended':
      return translate({ id: 'terminal.state.ended', message: '已结束' });
  }
}

function endText(exit?: ExitMessage, error?: ErrorMessage): string {
  if (error) {
    switch (error.code) {
      case 'taken-over':
        return translate({ id: 'terminal.error.takenOver', message: '这个终端已在另一个标签页中打开。' });
      case 'limit':
        return translate({ id: 'terminal.error.limit', message: '打开的终端太多了，请先关闭一个。' });
      case 'sandbox-unavailable':
        return translate({ id: 'terminal.error.sandbox', message: '此服务器未启用终端（没有沙箱）。' });
      default:
        return error.message;
    }
  }
  switch (exit?.reason) {
    case 'exited':
      return translate({ id: 'terminal.exit.exited', message: 'Shell 已退出（退出码 {code}）。' }, { code: String(exit.code ?? '?') });
    case 'grace-expired':
      return translate({ id: 'terminal.exit.graceExpired', message: '连接断开太久，Shell 已结束。' });
    case 'idle':
      return translate({ id: 'terminal.exit.idle', message: '长时间没有输入，Shell 已结束。' });
    case 'closed':
      return translate({ id: 'terminal.exit.closed', message: '终端已关闭。' });
    case 'server-shutdown':
      return translate({ id: 'terminal.exit.serverShutdown', message: '服务器已停止。' });
    case 'spawn-failed':
      return translate({ id: 'terminal.exit.spawnFailed', message: 'Shell 无法启动。' });
    default:
      return '';
  }
}

export default function TerminalView({ name, lab, leaveTo, toolbarExtra }: TerminalViewProps): React.JSX.Element {
  const { colorMode } = useColorMode();
  // The page's language: `meshlab explain` in a new shell answers in it (MESHLAB_LANG).
  const lang = trafficLangOf(useDocusaurusContext().i18n.currentLocale);
  const hostRef = useRef<HTMLDivElement>(null);
  const termRef = useRef<XTerm>(null);
  const connRef = useRef<TerminalConnection>(null);
  const searchRef = useRef<SearchAddon>(null);
  const [state, setState] = useState<ConnectionState>('connecting');
  const [ended, setEnded] = useState<string>('');
  const [warning, setWarning] = useState<WarningMessage | undefined>();
  const [searching, setSearching] = useState(false);
  const [query, setQuery] = useState('');
  const [size, setSize] = useState<{ cols: number; rows: number }>();
  const [announcement, setAnnouncement] = useState('');
  const [screenReader, setScreenReader] = useState(readScreenReaderMode);
  const label = translate({ id: 'terminal.label', message: '终端' });
  const helpId = `terminal-help-${name}`;
  const leaveRef = useRef(leaveTo);
  leaveRef.current = leaveTo;

  // biome-ignore lint/correctness/useExhaustiveDependencies: helpId is derived from name, which is listed
  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const fontFamily = 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace';
    const ratio = cellRatio(fontFamily);
    const term = new XTerm({
      cursorBlink: true,
      fontFamily,
      fontSize: TERMINAL_FONT_FIT.preferred,
      // Room below the baseline: at 1.0 the DOM renderer clips underscores (`%{http_code}`).
      lineHeight: 1.15,
      scrollback: 5000,
      allowProposedApi: true,
      // xterm's mode reads every character as it arrives (and stalls the page on a flood): the
      // learner turns it on from the toolbar; each command's end is announced either way.
      screenReaderMode: readScreenReaderMode(),
      theme: document.documentElement.dataset.theme === 'dark' ? DARK : LIGHT,
    });
    const fit = new FitAddon();
    const search = new SearchAddon();
    term.loadAddon(fit);
    term.loadAddon(search);
    term.loadAddon(new WebLinksAddon((_e, uri) => window.open(uri, '_blank', 'noopener,noreferrer')));
    term.open(host);
    // The region carries the "Terminal" label; the input gets its own, distinct one.
    term.textarea?.setAttribute('aria-label', translate({ id: 'terminal.input.label', message: '终端输入' }));
    term.textarea?.setAttribute('aria-describedby', helpId);
    termRef.current = term;
    searchRef.current = search;
    // At least 60 columns where the width allows (a phone in portrait): a smaller font then.
    const fitAll = () => {
      const style = getComputedStyle(host);
      const width = host.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - SCROLLBAR_ALLOWANCE_PX;
      const size = fitFontSize(width, ratio);
      if (term.options.fontSize !== size) term.options.fontSize = size;
      try {
        fit.fit();
      } catch {
        // not laid out yet, or hidden
      }
    };
    fitAll();

    // F6 / Shift+F6 out of the terminal: back where the focus came from, else where the page says.
    let cameFrom: HTMLElement | undefined;
    const onFocusIn = (e: FocusEvent) => {
      const from = e.relatedTarget;
      // A way in (the skip link) is no place to go back to.
      if (from instanceof HTMLElement && !host.contains(from) && !from.hasAttribute('data-terminal-entry')) cameFrom = from;
      // Tabbing into a closed drawer opens it.
      revealTerminal(name);
    };
    term.textarea?.addEventListener('focusin', onFocusIn);
    const leave = () => {
      const target = focusable(cameFrom) ? cameFrom : leaveRef.current?.();
      if (target) target.focus();
      else term.blur();
    };
    const focusHere = () => term.focus();
    const unfocus = provideFocus(name, focusHere);
    // F6 from anywhere else on the page comes back in.
    const onPageKey = (e: KeyboardEvent) => {
      if (e.key !== LEAVE_KEY || e.ctrlKey || e.altKey || e.metaKey || e.defaultPrevented) return;
      if (host.contains(document.activeElement)) return;
      e.preventDefault();
      focusTerminal(name);
    };
    document.addEventListener('keydown', onPageKey);

    // Run and Solve go through this: one command at a time, each ended by the shell's D mark.
    const runner = new CommandRunner({
      send: (keys) => {
        // On a phone the terminal is a drawer: open it to show the command's output.
        revealTerminal(name);
        conn.input(keys);
      },
    });
    let outputStart: IMarker | undefined;
    const marks = term.parser.registerOscHandler(133, (payload) => {
      const mark = parseShellMark(payload);
      if (!mark) return true;
      runner.mark(mark);
      if (mark.kind === 'output-start') {
        outputStart?.dispose();
        outputStart = term.registerMarker(0);
      } else if (mark.kind === 'command-end' && outputStart) {
        setAnnouncement(commandAnnouncement(term, outputStart, mark.exitCode));
        outputStart.dispose();
        outputStart = undefined;
      }
      return true;
    });
    const conn = new TerminalConnection({
      name,
      lab,
      lang,
      size: () => ({ cols: term.cols, rows: term.rows }),
      events: {
        write: (data, done) => term.write(data, done),
        reset: () => {
          term.reset();
          runner.screenReset();
        },
        state: (s, detail) => {
          setState(s);
          runner.setConnected(s === 'connected');
          // Nothing to type into once the shell has ended (until a new one starts).
          term.options.disableStdin = s === 'ended';
          term.options.cursorBlink = s !== 'ended';
          if (s === 'ended') setEnded(endText(detail?.exit, detail?.error));
          else if (s === 'reconnecting' && detail?.error)
            setEnded(translate({ id: 'terminal.error.retrying', message: '{message}（正在重试…）' }, { message: detail.error.message }));
          else setEnded('');
        },
        warning: setWarning,
      },
    });
    connRef.current = conn;
    const typed = term.onData((d) => conn.input(d));
    const resized = term.onResize(({ cols, rows }) => {
      conn.resize(cols, rows);
      setSize({ cols, rows });
    });
    setSize({ cols: term.cols, rows: term.rows });

    // Copy: Ctrl-C with a selection copies (without one it interrupts, as in a shell);
    // Ctrl-Shift-C/V copy and paste; Ctrl-Shift-F searches.
    term.attachCustomKeyEventHandler((e) => {
      if (e.type !== 'keydown') return true;
      if (e.key === LEAVE_KEY && !e.ctrlKey && !e.altKey && !e.metaKey) {
        e.preventDefault();
        leave();
        return false;
      }
      const key = e.key.toLowerCase();
      const mod = e.ctrlKey || e.metaKey;
      if (mod && key === 'c' && (e.shiftKey || term.hasSelection()) && term.hasSelection()) {
        void navigator.clipboard?.writeText(term.getSelection()).catch(() => {});
        term.clearSelection();
        return false;
      }
      // The browser pastes by itself on Ctrl-Shift-V (a paste event xterm handles): only keep
      // the keys from the shell, or it would paste twice.
      if (mod && e.shiftKey && key === 'v') return false;
      if (mod && e.shiftKey && key === 'f') {
        setSearching(true);
        return false;
      }
      return true;
    });

    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(fitAll);
    });
    observer.observe(host);
    const unsubscribe = onTerminalInput(name, (text) => {
      conn.input(text);
      term.focus();
    });
    const unprovide = provideCommandRunner(name, runner);
    // Back from sleep or offline: try at once instead of waiting out the backoff.
    const retryNow = () => {
      if (conn.state === 'reconnecting' && document.visibilityState === 'visible') conn.reconnectNow();
    };
    window.addEventListener('online', retryNow);
    document.addEventListener('visibilitychange', retryNow);
    conn.connect();
    return () => {
      window.removeEventListener('online', retryNow);
      document.removeEventListener('visibilitychange', retryNow);
      unsubscribe();
      unprovide();
      unfocus();
      document.removeEventListener('keydown', onPageKey);
      term.textarea?.removeEventListener('focusin', onFocusIn);
      runner.dispose();
      marks.dispose();
      outputStart?.dispose();
      observer.disconnect();
      cancelAnimationFrame(frame);
      typed.dispose();
      resized.dispose();
      conn.dispose();
      term.dispose();
      termRef.current = null;
      connRef.current = null;
    };
    // The terminal lives as long as the component; label changes do not restart it.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [name, lab, lang]);

  useEffect(() => {
    if (termRef.current) termRef.current.options.theme = colorMode === 'dark' ? DARK : LIGHT;
  }, [colorMode]);

  const toggleScreenReader = useCallback(() => {
    setScreenReader((on) => {
      const next = !on;
      if (termRef.current) termRef.current.options.screenReaderMode = next;
      try {
        localStorage.setItem(SCREEN_READER_KEY, next ? 'on' : 'off');
      } catch {
        // storage disabled: for this page only
      }
      return next;
    });
  }, []);
  const reconnect = useCallback(() => connRef.current?.reconnectNow(), []);
  const find = useCallback(
    (backwards: boolean) => {
      if (!query) return;
      if (backwards) searchRef.current?.findPrevious(query);
      else searchRef.current?.findNext(query);
    },
    [query],
  );

  return (
    <section className={styles.terminal} aria-label={label} data-terminal={name} data-state={state} data-cols={size?.cols} data-rows={size?.rows}>
      <div className={styles.toolbar}>
        <span className={styles.state} data-state={state} role="status" aria-live="polite">
          <span className={styles.dot} aria-hidden="true" />
          <span className={styles.stateText}>{stateText(state)}</span>
        </span>
        {searching && (
          <span className={styles.search}>
            <input
              type="search"
              value={query}
              // biome-ignore lint/a11y/noAutofocus: the field appears only when the learner asks to search (Ctrl+Shift+F) and should take the typing
              autoFocus
              aria-label={translate({ id: 'terminal.search.label', message: '在终端中搜索' })}
              placeholder={translate({ id: 'terminal.search.placeholder', message: '搜索…' })}
              onChange={(e) => setQuery(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') find(e.shiftKey);
                if (e.key === 'Escape') {
                  setSearching(false);
                  searchRef.current?.clearDecorations();
                  termRef.current?.focus();
                }
              }}
            />
          </span>
        )}
        <span className={styles.actions}>
          {toolbarExtra}
          <button type="button" className={styles.button} aria-pressed={screenReader} onClick={toggleScreenReader} data-action="screen-reader">
            {translate({ id: 'terminal.screenReader.button', message: '读屏模式' })}
          </button>
          <button type="button" className={styles.button} onClick={() => setSearching((s) => !s)} title="Ctrl+Shift+F">
            {translate({ id: 'terminal.search.button', message: '搜索' })}
          </button>
          {state !== 'connected' && (
            <button type="button" className={styles.button} onClick={reconnect} data-action="reconnect">
              {state === 'ended'
                ? translate({ id: 'terminal.button.newShell', message: '新建 Shell' })
                : translate({ id: 'terminal.button.reconnect', message: '重新连接' })}
            </button>
          )}
        </span>
      </div>
      {(ended || warning) && (
        <div className={styles.notice} role="alert">
          {ended ||
            (warning &&
              translate(
                { id: 'terminal.warning.idle', message: '这个 Shell 很久没有输入了，约 {minutes} 分钟后将结束；输入任意内容即可保留。' },
                { minutes: String(Math.max(1, Math.round((warning.at - Date.now()) / 60_000))) },
              ))}
        </div>
      )}
      {/* Each command's end, read out once (see ./announce.ts). */}
      <div className={styles.help} aria-live="polite" data-terminal-announce>
        {announcement}
      </div>
      <p id={helpId} className={styles.help}>
        {translate({
          id: 'terminal.help',
          message: '按 F6 离开终端，再按 F6（或 Shift+F6）回到终端。在终端里 Tab 是命令补全。Ctrl+Shift+C 复制，Ctrl+Shift+V 粘贴，Ctrl+Shift+F 搜索。',
        })}
      </p>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: a mouse shortcut to focus the terminal; keyboard users reach its own textarea with F6 or Tab */}
      {/* biome-ignore lint/a11y/useKeyWithClickEvents: the same shortcut; xterm's textarea inside takes the keys */}
      <div className={styles.screen} ref={hostRef} style={{ background: (colorMode === 'dark' ? DARK : LIGHT).background }} onClick={() => termRef.current?.focus()} />
    </section>
  );
}
