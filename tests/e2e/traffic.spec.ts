// The Traffic panel beside the terminal, in both languages: a curl typed in the terminal shows up
// in the panel live, opens into its trace, and the trace says why it got a 404 (no route: what the
// VirtualService does route, istio.io/latest/docs/tasks/traffic-management/ingress/ingress-control/)
// and a 503 (a subset no DestinationRule defines: istio.io/latest/docs/ops/common-problems/network-issues/);
// the panel shows meshlab analyze's finding for that subset, works in a phone's drawer, and has no
// serious accessibility violation.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { LABELS, openLab, step, waitForTerminal, type Locale } from './lab-helpers.ts';

const OUT = resolve(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
mkdirSync(OUT, { recursive: true });
const LAB = 'ingress-gateway';

const TEXT: Record<Locale, { toggle: RegExp; stopped: string; why: string }> = {
  'zh-Hans': { toggle: /^▸?▾?流量/, stopped: '在此停止', why: '原因' },
  en: { toggle: /^▸?▾?Traffic/, stopped: 'stopped here', why: 'Why' },
};

async function typeLine(page: Page, text: string): Promise<void> {
  await page.locator('[data-terminal="main"] .xterm-helper-textarea').focus();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

/** The chapter's httpbin behind its Gateway, with the VirtualService routing /status and /delay. */
const SETUP = [
  'kubectl create namespace bookinfo',
  'kubectl label namespace bookinfo istio-injection=enabled',
  'kubectl -n bookinfo apply -f httpbin.yaml -f httpbin-gateway.yaml -f httpbin-vs.yaml',
  'kubectl -n bookinfo wait --for=condition=Ready pod -l app=httpbin --timeout=60s',
  'echo setup-$((40+2))',
].join(' && ');

/** The VirtualService's route now names subset v1, which no DestinationRule defines. */
const SUBSET = `kubectl -n bookinfo patch virtualservice httpbin --type=json -p '[{"op":"add","path":"/spec/http/0/route/0/destination/subset","value":"v1"}]' && sleep 1 && echo patched-$((40+3))`;

const curl = (path: string) => `curl -s -o /dev/null -w "%{http_code}\\n" -H "Host: httpbin.example.com" http://$INGRESS_HOST:$INGRESS_PORT${path}`;

function entry(page: Page, path: string, status: number) {
  return page.locator(`[data-traffic-entry][data-status="${status}"]`).filter({ hasText: path }).first();
}

for (const locale of ['zh-Hans', 'en'] as const)
  test(`a curl in the terminal is explained in the Traffic panel (${locale})`, async ({ page }) => {
    test.setTimeout(180_000);
    await openLab(page, locale, LAB);
    await waitForTerminal(page, locale);
    const toggle = page.locator('[data-traffic-toggle]');
    await toggle.click();
    await expect(toggle).toHaveAttribute('aria-expanded', 'true');
    await expect(page.locator('[data-traffic-state="live"]')).toBeVisible({ timeout: 30_000 });

    await typeLine(page, SETUP);
    await expect(page.locator('[data-terminal="main"] .xterm-rows')).toContainText('setup-42', { timeout: 90_000 });

    // 404: /headers is not one of the paths the VirtualService routes.
    await typeLine(page, curl('/headers'));
    const notFound = entry(page, '/headers', 404);
    await expect(notFound).toBeVisible({ timeout: 15_000 });
    await expect(notFound).toContainText('NR');
    await notFound.getByRole('button').click();
    await expect(notFound.locator('[data-traffic-reason]')).toHaveText(locale === 'en' ? 'no route matched; VirtualService bookinfo/httpbin only routes /status, /delay' : '没有匹配的路由；VirtualService bookinfo/httpbin 只路由 /status、/delay');
    await expect(notFound.locator('[data-stage="gateway"][data-stopped]')).toContainText(TEXT[locale].stopped);
    await notFound.locator('summary').click();
    await expect(notFound.locator('pre')).toContainText(locale === 'zh-Hans' ? '路径 /headers 不以 /status 开头' : 'path /headers does not start with /status');
    await expect(notFound.locator('pre')).toContainText(TEXT[locale].why);
    await page.screenshot({ path: `${OUT}/traffic-404-${locale}.png` });
    // The terminal's meshlab explain answers in the page's language (MESHLAB_LANG).
    await typeLine(page, 'meshlab explain --status 404');
    await expect(page.locator('[data-terminal="main"] .xterm-rows')).toContainText(locale === 'zh-Hans' ? '原因: 没有匹配的路由' : 'Why: no route matched', { timeout: 15_000 });

    // 503: the route names a subset no DestinationRule defines.
    await typeLine(page, SUBSET);
    await expect(page.locator('[data-terminal="main"] .xterm-rows')).toContainText('patched-43', { timeout: 30_000 });
    await typeLine(page, curl('/status/200'));
    const unavailable = entry(page, '/status/200', 503);
    await expect(unavailable).toBeVisible({ timeout: 15_000 });
    await expect(unavailable).toContainText('NC');
    await unavailable.getByRole('button').click();
    await expect(unavailable.locator('[data-traffic-reason]')).toContainText(locale === 'zh-Hans' ? '没有任何 DestinationRule 定义 httpbin.bookinfo.svc.cluster.local 的 subset v1' : 'subset v1 of httpbin.bookinfo.svc.cluster.local is not defined by any DestinationRule');
    await expect(unavailable.locator('[data-stage="subset"][data-stopped]')).toBeVisible();
    await expect(unavailable.locator('[data-stage="pod"][data-skipped]')).toBeVisible();
    // The analyzer says the same of the configuration.
    await page.locator('[data-traffic-findings]').getByRole('button').click();
    await expect(page.locator('[data-traffic-findings] [data-code="IST0101"]')).toContainText('Referenced host+subset in destinationrule not found: "httpbin+v1"', { timeout: 15_000 });
    await unavailable.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${OUT}/traffic-503-${locale}.png` });

    // The Check reports say what the mesh did with the checks' own requests.
    const routed = step(page, 'route-status-and-delay');
    await routed.scrollIntoViewIfNeeded();
    await routed.getByRole('button', { name: LABELS[locale].check, exact: true }).click();
    await expect(routed.locator('[data-report="failed"]')).toContainText(locale === 'zh-Hans' ? '503：找不到集群：没有任何 DestinationRule 定义 httpbin.bookinfo.svc.cluster.local 的 subset v1' : '503: cluster not found: subset v1 of httpbin.bookinfo.svc.cluster.local is not defined by any DestinationRule', { timeout: 30_000 });
    await routed.locator('[data-report]').screenshot({ path: `${OUT}/check-trace-503-${locale}.png` });
    // (The step that sends /headers now checks the learner's own request in the gateway's access
    // log, so no passing http Check of its own carries a trace there.)

    const results = await new AxeBuilder({ page }).include('[data-traffic-panel]').include('[data-report]').analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  });

test('the Traffic panel in the phone drawer', async ({ browser }) => {
  test.setTimeout(120_000);
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await openLab(page, 'zh-Hans', LAB);
  await waitForTerminal(page, 'zh-Hans');
  await page.locator('[data-drawer-toggle]').click();
  await expect(page.locator('#lab-terminal')).toHaveAttribute('data-drawer', 'open');
  await page.waitForTimeout(400); // the drawer slides in
  // A Gateway and VirtualService are enough for the gateway to answer (404: /get is not routed).
  await typeLine(page, 'kubectl create namespace bookinfo && kubectl -n bookinfo apply -f httpbin-gateway.yaml -f httpbin-vs.yaml && sleep 1 && echo ready-$((40+4))');
  await expect(page.locator('[data-terminal="main"] .xterm-rows')).toContainText('ready-44', { timeout: 30_000 });
  await typeLine(page, curl('/get'));
  const toggle = page.locator('[data-traffic-toggle]');
  await expect(toggle).toBeInViewport();
  await toggle.click();
  const row = entry(page, '/get', 404);
  await expect(row).toBeVisible({ timeout: 15_000 });
  await row.getByRole('button').click();
  await expect(row.locator('[data-traffic-reason]')).toBeInViewport();
  await page.screenshot({ path: `${OUT}/traffic-phone-zh-Hans.png` });
  const results = await new AxeBuilder({ page }).include('#lab-terminal').analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  await context.close();
});
