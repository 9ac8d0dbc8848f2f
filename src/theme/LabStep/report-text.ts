// The words of a Check report in the page's language. The runner writes its comparisons in
// English from a small, fixed vocabulary (server/runner/checks/*.ts: "exists", "absent",
// "an HTTP response from …", "containing …"); this table turns each form into zh-Hans, keeping
// the quoted values, names and commands as they are. A value quoted by the runner (a JSON
// string, escaped onto one line) is shown as the text it stands for.
import type { Locale } from '@site/plugins/labs/lab-view.ts';

type Rule = readonly [RegExp, (m: RegExpExecArray, zh: (s: string) => string) => string];

/** Whole-text forms, first match wins; `zh` translates a captured part that is itself report text. */
const RULES: readonly Rule[] = [
  [/^exists$/, () => '存在'],
  [/^absent$/, () => '不存在'],
  [/^absent \((.+) is in namespace (.+)\)$/, (m) => `不存在（${m[1]} 在命名空间 ${m[2]} 中）`],
  [/^present$/, () => '存在'],
  [/^none$/, () => '没有'],
  [/^nothing$/, () => '无'],
  [/^cancelled$/, () => '已取消'],
  [/^no such condition$/, () => '没有这个条件'],
  [/^nothing at that path$/, () => '该路径下没有值'],
  [/^any HTTP response$/, () => '任意 HTTP 响应'],
  [/^an HTTP response from (.+)$/, (m) => `来自 ${m[1]} 的 HTTP 响应`],
  [/^request failed: (.+)$/s, (m, zh) => `请求失败：${zh(m[1]!)}`],
  [/^connection refused(?: \((.*)\))?$/, (m) => `连接被拒绝${m[1] ? `（${m[1]}）` : ''}`],
  [/^nothing listens on the ingress port: is the Gateway missing, or does no server of it use this port\?$/, () => '入口端口上没有任何监听：是不是缺少 Gateway，或者它的 server 都没有使用这个端口？'],
  [/^status (\d{3})$/, (m) => `状态码 ${m[1]}`],
  [/^(\d+(?: or \d+)*)$/, (m) => m[1]!.replace(/ or /g, ' 或 ')],
  [/^at least (\d+) Ready, none unready$/, (m) => `至少 ${m[1]} 个就绪，且没有未就绪的`],
  [/^(\d+) of (\d+) Ready(?:; not ready: (.+))?$/, (m) => `${m[2]} 个中 ${m[1]} 个就绪${m[3] ? `；未就绪：${m[3]}` : ''}`],
  [/^no pods match (\S+) in (\S+?)(?: \(they are in namespace (.+)\))?$/, (m) => `命名空间 ${m[2]} 中没有匹配 ${m[1]} 的 Pod${m[3] ? `（它们在命名空间 ${m[3]} 中）` : ''}`],
  [/^no running pod matches (\S+) in namespace (\S+)$/, (m) => `命名空间 ${m[2]} 中没有匹配 ${m[1]} 的运行中 Pod`],
  [/^at least (\d+) ms$/, (m) => `至少 ${m[1]} 毫秒`],
  [/^at most (\d+) ms$/, (m) => `至多 ${m[1]} 毫秒`],
  [/^(\d+) ms$/, (m) => `${m[1]} 毫秒`],
  [/^not containing (.+)$/s, (m) => `不包含 ${m[1]}`],
  [/^containing (.+)$/s, (m) => `包含 ${m[1]}`],
  [/^matching (.+)$/s, (m) => `匹配 ${m[1]}`],
  [/^output equal to (.+)$/s, (m) => `输出等于 ${m[1]}`],
  [/^output containing (.+)$/s, (m) => `输出包含 ${m[1]}`],
  [/^output not containing (.+)$/s, (m) => `输出不包含 ${m[1]}`],
  [/^output matching \(with \.\.\. for elided lines\) (.+)$/s, (m) => `输出匹配（... 表示省略的行）${m[1]}`],
  [/^first line equal to (.+)$/s, (m) => `第一行等于 ${m[1]}`],
  [/^output like (.+)$/s, (m) => `输出形如 ${m[1]}`],
  [/^output conforming to (.+)$/s, (m) => `输出符合 ${m[1]}`],
  [/^a body that is not JSON: (.+)$/s, (m) => `不是 JSON 的响应体：${m[1]}`],
  [/^killed after (\d+) s$/, (m) => `${m[1]} 秒后被终止`],
  // Labels of the comparisons ("what").
  [/^response$/, () => '响应'],
  [/^status$/, () => '状态码'],
  [/^output$/, () => '输出'],
  [/^stdout$/, () => '标准输出'],
  [/^stderr$/, () => '标准错误'],
  [/^exit code$/, () => '退出码'],
  [/^body$/, () => '响应体'],
  [/^latency$/, () => '延迟'],
  [/^header (\S+)$/, (m) => `响应头 ${m[1]}`],
  [/^condition (\S+)$/, (m) => `条件 ${m[1]}`],
  [/^pods (\S+) in (\S+)$/, (m) => `命名空间 ${m[2]} 中的 Pod ${m[1]}`],
  // Generated check names (describeCheck).
  [/^pods (\S+) in (\S+) ready$/, (m) => `命名空间 ${m[2]} 中的 Pod ${m[1]} 已就绪`],
  [/^(\S+) (\S+) exists$/, (m) => `${m[1]} ${m[2]} 存在`],
  [/^(\S+) (\S+) absent$/, (m) => `${m[1]} ${m[2]} 不存在`],
  [/^([A-Z]+ \S+(?: \(Host: [^)]+\))?) from (.+)$/, (m) => `从 ${m[2]} 发出 ${m[1]}`],
  [/^reading (.+?): (.+)$/s, (m) => `读取 ${m[1]} 失败：${m[2]}`],
  [/^listing pods (\S+) in (\S+): (.+)$/s, (m) => `列出命名空间 ${m[2]} 中的 Pod ${m[1]} 失败：${m[3]}`],
];

function toZh(text: string): string {
  for (const [re, render] of RULES) {
    const m = re.exec(text);
    if (m) return render(m, toZh);
  }
  return text;
}

/** A report text in the page's language (English is what the runner wrote). */
export function localizeReportText(text: string, locale: Locale): string {
  return locale === 'en' ? text : toZh(text);
}

/**
 * A value as the learner should read it: a JSON string the runner quoted onto one line
 * (`"NAME  READY\n..."`, maybe after a description such as `output like`) becomes its text, so a
 * table keeps its rows and columns. Anything else is returned as it is.
 */
export function readableValue(text: string): string {
  const m = /^(.*?)("(?:[^"\\]|\\.)*")((?:… \(\d+ characters\))?)$/s.exec(text);
  if (!m) return text;
  let inner: string;
  try {
    inner = JSON.parse(m[2]!) as string;
  } catch {
    return text;
  }
  if (!inner.includes('\n') && !m[1]) return text;
  const lead = m[1]!.trimEnd();
  return `${lead ? `${lead}\n` : ''}${inner}${m[3] ? `\n${m[3]}` : ''}`;
}
