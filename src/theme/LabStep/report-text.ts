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
  [/^(connection refused(?: \([^)]*\))?): (.+)$/s, (m, zh) => `${zh(m[1]!)}：${zh(m[2]!)}`],
  [/^connection refused(?: \((.*)\))?$/, (m) => `连接被拒绝${m[1] ? `（${m[1]}）` : ''}`],
  [/^nothing listens on the ingress port: is the Gateway missing, or does no server of it use this port\?$/, () => '入口端口上没有任何监听：是不是缺少 Gateway，或者它的 server 都没有使用这个端口？'],
  [/^status (\d{3})$/, (m) => `状态码 ${m[1]}`],
  [/^exit code (\d+)$/, (m) => `退出码 ${m[1]}`],
  // Envoy's own answers (http-check.ts proxyOwnAnswer), after the status they explain.
  [/^(\d{3}) \((.+)\)$/s, (m, zh) => `${m[1]}（${zh(m[2]!)}）`],
  [/^the gateway answered itself: no route matches this request; check the VirtualService's hosts, gateways and match$/, () => '网关自己作答：没有路由匹配这个请求；请检查 VirtualService 的 hosts、gateways 和 match'],
  [/^the sidecar answered itself: the host is not in the service registry \(REGISTRY_ONLY\); a ServiceEntry registers it$/, () => '边车自己作答：这个主机不在服务注册表中（REGISTRY_ONLY）；用 ServiceEntry 注册它'],
  [/^the proxy answered itself: the route's destination has no upstream \(a subset no DestinationRule defines, or no ready endpoint\)$/, () => '代理自己作答：路由的目标没有上游（DestinationRule 没有定义的子集，或者没有就绪的端点）'],
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
  [/^output like \(… is any generated name, age or address\) (.+)$/s, (m) => `输出形如（… 表示任意生成的名称、时长或地址）${m[1]}`],
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
  // Step-level failures and the lab API's errors a step shows.
  [/^step "(.+)" has no checks: nothing can be verified$/, (m) => `步骤 ${m[1]} 没有检查：无法验证`],
  [/^the check could not run: (.+)$/s, (m) => `检查无法运行：${m[1]}`],
  [/^step "(.+)" has no solution to type$/, (m) => `步骤 ${m[1]} 没有可以输入的解答`],
  [/^no session: reload the page to get one$/, () => '没有会话：请刷新页面'],
  [/^could not start your cluster: (.+)$/s, (m) => `无法启动你的集群：${m[1]}`],
  [/^could not prepare your cluster for this lab: (.+)$/s, (m) => `无法为本实验准备你的集群：${m[1]}`],
  [/^Rate limit exceeded, retry in (.+)$/, (m) => `请求过于频繁，请在 ${m[1]} 后重试`],
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
