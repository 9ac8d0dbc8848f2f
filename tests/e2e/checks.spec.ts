// Checks that answer fast and say what is wrong, in the page's language: on the embedded driver
// a failing Check answers in under 1.5 s and names the likely mistake (httpbin applied without
// `-n bookinfo` is in namespace default); a zh-Hans report has no English check text, a blocked
// request the step expects reads "fails as expected", and a step whose commands were not run fails.
import { resolve } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { LABELS, checkUntilPassed, openLab, step, waitForTerminal, type Locale } from './lab-helpers.ts';

const OUT = resolve(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
const INGRESS = 'ingress-gateway';
const EGRESS = 'egress-gateway';

/**
 * The runner's English report words (server/runner/checks/*.ts, run-check.ts): none may be left
 * on a zh-Hans page. Kinds (Namespace), names (bookinfo), URLs, paths and regular expressions are
 * not translated and are not words here: only plain lower-case words are looked at.
 */
const RUNNER_ENGLISH = new Set(
  'expected got exists absent present refused connection response request failed passed containing matching listens nothing answered itself route matches least most none equal like output status exit code stdout stderr header condition body pods namespace is in from check the of no any'.split(' '),
);

/** The runner's English words left in a text. */
function englishIn(text: string): string[] {
  return text
    .split(/[^A-Za-z0-9_/.$=:\\-]+/)
    .filter((w) => /^[a-z]+$/.test(w) && RUNNER_ENGLISH.has(w));
}

/** Presses a step's Check once and waits for its answer; returns the report and the time to it. */
async function checkOnce(page: Page, locale: Locale, id: string): Promise<{ report: Locator; ms: number; serverMs: number; passed: boolean }> {
  const section = step(page, id);
  const button = section.getByRole('button', { name: LABELS[locale].check, exact: true });
  await section.scrollIntoViewIfNeeded();
  await expect(button).toBeEnabled({ timeout: 60_000 });
  const answered = page.waitForResponse((r) => r.url().endsWith(`/steps/${id}/check`) && r.request().method() === 'POST', { timeout: 60_000 });
  const started = Date.now();
  await button.click();
  const response = await answered;
  // The answer: from the click to the server's response (the page then draws the report).
  const ms = Date.now() - started;
  const body = (await response.json()) as { passed: boolean; durationMs: number };
  const report = section.locator('[data-report]');
  await expect(report).toBeVisible();
  return { report, ms, serverMs: body.durationMs, passed: body.passed };
}

/** The runner's text a learner reads in a report: not what commands printed (kubectl's own words), not the lab's hints. */
function reportWords(report: Locator): Promise<string> {
  return report.evaluate((el) => {
    const copy = el.cloneNode(true) as HTMLElement;
    // Hints are the lab's own text (with its commands), written in both languages in lab.yaml.
    for (const label of copy.querySelectorAll('strong')) if (label.textContent?.trim() === '提示') label.parentElement?.remove();
    // What the mesh did with an http check's own request (its trace, reason and explanation) is in the page's language too: it stays in.
    for (const dt of copy.querySelectorAll('dt')) {
      // Output quoted from a command is the tool's, in its language.
      if (['输出', '标准输出', '标准错误'].includes(dt.textContent?.trim() ?? '')) dt.nextElementSibling?.querySelectorAll('pre').forEach((p) => p.remove());
    }
    return copy.innerText;
  });
}

async function typeLine(page: Page, text: string): Promise<void> {
  await page.locator('[data-terminal="main"] .xterm-helper-textarea').focus();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

/** Runs every command of a step with its Run buttons and waits until each ended. */
async function runStep(page: Page, locale: Locale, id: string): Promise<void> {
  const runs = step(page, id).getByRole('button', { name: LABELS[locale].run, exact: true });
  const n = await runs.count();
  for (let i = 0; i < n; i++) await runs.nth(i).click();
  for (let i = 0; i < n; i++) await expect(runs.nth(i)).toHaveAttribute('data-run-state', 'finished', { timeout: 60_000 });
}

/** httpbin applied without `-n bookinfo`: it lands in namespace default, and its pods start there. */
async function forgetNamespace(page: Page, locale: Locale): Promise<void> {
  await runStep(page, locale, 'create-namespace');
  expect(await checkUntilPassed(page, locale, 'create-namespace', 4)).toBe('passed');
  await typeLine(page, 'kubectl apply -f httpbin.yaml && kubectl rollout status deployment/httpbin --timeout=60s');
  await expect(page.locator('[data-terminal="main"] .xterm-rows')).toContainText('successfully rolled out', { timeout: 60_000 });
}

test('en: a failing Check answers in under 1.5 s and names the namespace mistake', async ({ page }) => {
  test.setTimeout(180_000);
  await openLab(page, 'en', INGRESS);
  await waitForTerminal(page, 'en');
  await forgetNamespace(page, 'en');

  const { report, ms, serverMs, passed } = await checkOnce(page, 'en', 'deploy-httpbin');
  expect(passed).toBe(false);
  console.log(`failing Check of deploy-httpbin: ${ms} ms from the click to the answer, ${serverMs} ms of it on the server`);
  expect(ms, 'from the click to the answer').toBeLessThan(1500);
  await expect(report).toContainText('httpbin is in namespace default');
  await expect(report).toContainText('they are in namespace default');
  await step(page, 'deploy-httpbin').screenshot({ path: `${OUT}/check-namespace-mistake-en.png` });
});

test('zh-Hans: failing reports have no English check text, and a blocked request reads as expected', async ({ page }) => {
  test.setTimeout(300_000);
  await openLab(page, 'zh-Hans', INGRESS);
  await waitForTerminal(page, 'zh-Hans');
  // Steps not done yet: every kind of check fails (objects absent, pods missing, nothing listening, no log line).
  const seen: string[] = [];
  for (const id of ['create-namespace', 'deploy-httpbin', 'create-gateway', 'route-status-and-delay', 'call-status', 'other-paths-not-routed', 'define-subset']) {
    const { report, passed } = await checkOnce(page, 'zh-Hans', id);
    expect(passed, `step ${id} was not done, so its Check fails`).toBe(false);
    await expect(report).toContainText('检查未通过');
    const words = await reportWords(report);
    seen.push(`${id}: ${words}`);
    expect(englishIn(words), `report of ${id}: ${words}`).toEqual([]);
  }
  // The ingress port with no Gateway: said as such, in Chinese.
  expect(seen.join('\n')).toContain('是不是缺少 Gateway');

  // The namespace mistake, in Chinese.
  await forgetNamespace(page, 'zh-Hans');
  const mistake = await checkOnce(page, 'zh-Hans', 'deploy-httpbin');
  expect(mistake.passed).toBe(false);
  await expect(mistake.report).toContainText('httpbin 在命名空间 default 中');
  await expect(mistake.report).toContainText('它们在命名空间 default 中');
  expect(englishIn(await reportWords(mistake.report))).toEqual([]);
  // The expected pod table keeps its rows, and shows no made-up pod name or age.
  const table = mistake.report.locator('pre', { hasText: 'RESTARTS' }).first();
  await expect(table).toHaveCSS('white-space', 'pre');
  await expect(table).toContainText('httpbin-…');
  await expect(mistake.report).not.toContainText('x2m9p');
  await step(page, 'deploy-httpbin').screenshot({ path: `${OUT}/check-namespace-mistake-zh-Hans.png` });

  // Egress: REGISTRY_ONLY blocks httpbin.org before the step, so the blocked requests read "fails
  // as expected", and the step still fails until the learner's own request is in the sidecar's log.
  await openLab(page, 'zh-Hans', EGRESS);
  await waitForTerminal(page, 'zh-Hans');
  await runStep(page, 'zh-Hans', 'deploy-client');
  expect(await checkUntilPassed(page, 'zh-Hans', 'deploy-client', 8)).toBe('passed');
  const before = await checkOnce(page, 'zh-Hans', 'external-blocked');
  expect(before.passed, 'the step\'s commands did not run yet').toBe(false);
  const blocked = before.report.locator('[data-outcome="failed-as-expected"]');
  await expect(blocked).toHaveCount(2);
  await expect(blocked.first()).toContainText('按预期失败（状态码 502）');
  await expect(blocked.nth(1)).toContainText('按预期失败（退出码 35）');
  // The mesh's reason for the blocked request, in Chinese (Istio's words kept).
  await expect(before.report.locator('[data-check-request-reason]')).toContainText('已阻止：outboundTrafficPolicy 为 REGISTRY_ONLY，且没有 httpbin.org 的 ServiceEntry');
  expect(englishIn(await reportWords(before.report))).toEqual([]);
  await step(page, 'external-blocked').screenshot({ path: `${OUT}/check-blocked-before-zh-Hans.png` });

  await runStep(page, 'zh-Hans', 'external-blocked');
  expect(await checkUntilPassed(page, 'zh-Hans', 'external-blocked', 4)).toBe('passed');
  const after = step(page, 'external-blocked').locator('[data-report="passed"]');
  await expect(after.locator('[data-outcome="failed-as-expected"]')).toHaveCount(2);
  await expect(after).toContainText('这一步之前就已成立');
  await step(page, 'external-blocked').screenshot({ path: `${OUT}/check-blocked-after-zh-Hans.png` });
});
