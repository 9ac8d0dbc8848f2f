import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CheckSpec, type CheckSpecT } from '../../../server/runner/lab-schema.ts';
import { describeCheck } from '../../../server/runner/checks/run-check.ts';
import { NO_GATEWAY, NO_ROUTE, NO_UPSTREAM, NOT_REGISTERED } from '../../../server/runner/checks/http-check.ts';
import { expectedOutput } from '../../../server/runner/checks/command-check.ts';
import { VERIFY_DESCRIPTIONS } from '../../../server/runner/compare-output.ts';
import { localizeReportText, readableValue } from './report-text.ts';

// What the runner writes (server/runner/checks/*.ts) → what a zh-Hans page shows.
const ZH: Array<[string, string]> = [
  ['exists', '存在'],
  ['absent', '不存在'],
  ['absent (httpbin is in namespace default)', '不存在（httpbin 在命名空间 default 中）'],
  ['present', '存在'],
  ['none', '没有'],
  ['cancelled', '已取消'],
  ['no such condition', '没有这个条件'],
  ['nothing at that path', '该路径下没有值'],
  ['any HTTP response', '任意 HTTP 响应'],
  ['an HTTP response from http://127.0.0.1:30080/status/200', '来自 http://127.0.0.1:30080/status/200 的 HTTP 响应'],
  ['connection refused (connect ECONNREFUSED 127.0.0.1:30080)', '连接被拒绝（connect ECONNREFUSED 127.0.0.1:30080）'],
  ['request failed: connection refused (connect ECONNREFUSED 127.0.0.1:1)', '请求失败：连接被拒绝（connect ECONNREFUSED 127.0.0.1:1）'],
  [NO_GATEWAY, '入口端口上没有任何监听：是不是缺少 Gateway，或者它的 server 都没有使用这个端口？'],
  [`connection refused (connect ECONNREFUSED 127.0.0.1:30633): ${NO_GATEWAY}`, '连接被拒绝（connect ECONNREFUSED 127.0.0.1:30633）：入口端口上没有任何监听：是不是缺少 Gateway，或者它的 server 都没有使用这个端口？'],
  [`request failed: connection refused (connect ECONNREFUSED 127.0.0.1:30633): ${NO_GATEWAY}`, '请求失败：连接被拒绝（connect ECONNREFUSED 127.0.0.1:30633）：入口端口上没有任何监听：是不是缺少 Gateway，或者它的 server 都没有使用这个端口？'],
  [`request failed: ${NO_GATEWAY}`, '请求失败：入口端口上没有任何监听：是不是缺少 Gateway，或者它的 server 都没有使用这个端口？'],
  ['status 404', '状态码 404'],
  ['exit code 35', '退出码 35'],
  [`404 (${NO_ROUTE})`, '404（网关自己作答：没有路由匹配这个请求；请检查 VirtualService 的 hosts、gateways 和 match）'],
  [`502 (${NOT_REGISTERED})`, '502（边车自己作答：这个主机不在服务注册表中（REGISTRY_ONLY）；用 ServiceEntry 注册它）'],
  [`503 (${NO_UPSTREAM})`, '503（代理自己作答：路由的目标没有上游（DestinationRule 没有定义的子集，或者没有就绪的端点））'],
  [expectedOutput('like', 'NAME READY\nhttpbin-5c5944c58c-x2m9p 2/2'), '输出形如（… 表示任意生成的名称、时长或地址）"NAME READY\\nhttpbin-…                2/2"'],
  ['step "x" has no checks: nothing can be verified', '步骤 x 没有检查：无法验证'],
  ['the check could not run: boom', '检查无法运行：boom'],
  ['could not start your cluster: the server is full', '无法启动你的集群：the server is full'],
  ['no session: reload the page to get one', '没有会话：请刷新页面'],
  ['200 or 301', '200 或 301'],
  ['at least 1 Ready, none unready', '至少 1 个就绪，且没有未就绪的'],
  ['0 of 1 Ready; not ready: httpbin-abc (Pending)', '1 个中 0 个就绪；未就绪：httpbin-abc (Pending)'],
  ['no pods match app=httpbin in bookinfo (they are in namespace default)', '命名空间 bookinfo 中没有匹配 app=httpbin 的 Pod（它们在命名空间 default 中）'],
  ['no running pod matches app=curl in namespace default', '命名空间 default 中没有匹配 app=curl 的运行中 Pod'],
  ['at most 500 ms', '至多 500 毫秒'],
  ['containing "x"', '包含 "x"'],
  ['not containing "x"', '不包含 "x"'],
  ['matching /^a/', '匹配 /^a/'],
  [`${VERIFY_DESCRIPTIONS.like} "NAME"`, '输出形如 "NAME"'],
  [`${VERIFY_DESCRIPTIONS.same} "200"`, '输出等于 "200"'],
  ['killed after 10 s', '10 秒后被终止'],
  ['response', '响应'],
  ['status', '状态码'],
  ['output', '输出'],
  ['exit code', '退出码'],
  ['header content-type', '响应头 content-type'],
  ['condition Available', '条件 Available'],
  ['pods app=httpbin in bookinfo', '命名空间 bookinfo 中的 Pod app=httpbin'],
  ['pods app=httpbin in bookinfo ready', '命名空间 bookinfo 中的 Pod app=httpbin 已就绪'],
  ['Gateway bookinfo/httpbin-gateway exists', 'Gateway bookinfo/httpbin-gateway 存在'],
  ['VirtualService bookinfo/httpbin absent', 'VirtualService bookinfo/httpbin 不存在'],
  ['GET http://$INGRESS_HOST:$INGRESS_PORT/headers (Host: httpbin.example.com) from app=curl', '从 app=curl 发出 GET http://$INGRESS_HOST:$INGRESS_PORT/headers (Host: httpbin.example.com)'],
];

describe('localizeReportText', () => {
  it.each(ZH)('zh-Hans: %s', (en, zh) => {
    expect(localizeReportText(en, 'zh-Hans')).toBe(zh);
  });

  it.each(ZH)('en keeps the runner text: %s', (en) => {
    expect(localizeReportText(en, 'en')).toBe(en);
  });

  it('leaves values it does not know (names, commands, output) as they are', () => {
    expect(localizeReportText('`kubectl get pods`', 'zh-Hans')).toBe('`kubectl get pods`');
    expect(localizeReportText('"NAME READY"', 'zh-Hans')).toBe('"NAME READY"');
  });
});

describe('readableValue', () => {
  it.each([
    ['a quoted table keeps its rows', '"NAME    READY\\nhttpbin 2/2\\n"', 'NAME    READY\nhttpbin 2/2\n'],
    ['a description before a quoted table goes on its own line', 'output like "NAME    READY\\nhttpbin 2/2"', 'output like\nNAME    READY\nhttpbin 2/2'],
    ['a one-line quoted value stays quoted', '"200"', '"200"'],
    ['plain text is unchanged', 'exists', 'exists'],
    ['a value cut short stays as it is', '"NAME\\nx… (900 characters)', '"NAME\\nx… (900 characters)'],
  ])('%s', (_what, input, shown) => {
    expect(readableValue(input)).toBe(shown);
  });
});

describe("the labs' check names on a zh-Hans page", () => {
  const root = join(import.meta.dirname, '..', '..', '..', 'labs');
  const checks = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => {
      const lab = parse(readFileSync(join(root, d.name, 'lab.yaml'), 'utf8')) as { steps: Array<{ id: string; checks?: CheckSpecT[] }> };
      return lab.steps.flatMap((s) => (s.checks ?? []).map((c, i): [string, CheckSpecT] => [`${d.name}/${s.id} check ${i + 1}`, CheckSpec.parse(c)]));
    });

  it.each(checks)('%s: named in both languages, or a generated name that translates', (_where, check) => {
    if (check.name !== undefined) {
      expect(typeof check.name, 'a written check name needs zh-Hans and en: name: { zh-Hans: …, en: … }').toBe('object');
      return;
    }
    const zh = localizeReportText(describeCheck(check), 'zh-Hans');
    expect(zh).not.toMatch(/\b(exists|absent|ready|from)\b/);
  });
});
