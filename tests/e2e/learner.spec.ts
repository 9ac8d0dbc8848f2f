// The learner's side of the terminal, in both languages: Run and Solve run one command at a
// time and say how each ended; Solve's output is what the page says; a phone shows Run's output
// without scrolling in at least 60 columns; the keyboard alone completes a step (skip link, F6);
// Ctrl+Shift+V pastes once; each lab has its own shell.
import { resolve } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { LABELS, checkUntilPassed, openLab, step, waitForTerminal, type Locale } from './lab-helpers.ts';

const OUT = resolve(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
const INGRESS = 'ingress-gateway';
const EGRESS = 'egress-gateway';

const TEXT: Record<Locale, { ranOk: string; exit1: string; queued: string }> = {
  'zh-Hans': { ranOk: '已运行 · 退出码 0', exit1: '退出码 1', queued: '等待前一条命令结束…' },
  en: { ranOk: 'ran · exit 0', exit1: 'exit 1', queued: 'waiting for the previous command…' },
};

function screen(page: Page): Locator {
  return page.locator('[data-terminal="main"] .xterm-rows');
}

function runButtons(page: Page, locale: Locale, id: string): Locator {
  return step(page, id).getByRole('button', { name: LABELS[locale].run, exact: true });
}

function runStatus(page: Page, id: string, index: number): Locator {
  return step(page, id).locator('[data-run-status]').nth(index);
}

/** Types a line into the terminal from the keyboard (the terminal focused first). */
async function typeLine(page: Page, text: string): Promise<void> {
  await page.locator('[data-terminal="main"] .xterm-helper-textarea').focus();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

/** Whether the focused element is the terminal's input. */
const focusInTerminal = (page: Page) => page.evaluate(() => !!document.activeElement?.closest('[data-terminal] .xterm'));

/** Solve a step and wait until Solve has typed every command and each ended. */
async function solve(page: Page, locale: Locale, id: string): Promise<void> {
  const button = step(page, id).getByRole('button', { name: LABELS[locale].solve, exact: true });
  await button.click();
  await expect(button).toHaveAttribute('aria-busy', 'false', { timeout: 120_000 });
}

for (const locale of ['zh-Hans', 'en'] as Locale[]) {
  test.describe(`learner (${locale})`, () => {
    test('Run types one command at a time and shows how each ended', async ({ page }) => {
      test.setTimeout(180_000);
      await openLab(page, locale, INGRESS);
      await waitForTerminal(page, locale);
      const runs = runButtons(page, locale, 'create-namespace');
      // Both at once: the second waits for the first instead of typing ahead.
      await runs.nth(0).click();
      await runs.nth(1).click();
      await expect(runStatus(page, 'create-namespace', 0)).toHaveText(TEXT[locale].ranOk, { timeout: 30_000 });
      await expect(runStatus(page, 'create-namespace', 1)).toHaveText(TEXT[locale].ranOk, { timeout: 30_000 });
      await expect(screen(page)).toContainText('namespace/bookinfo created');
      await expect(screen(page)).toContainText('namespace/bookinfo labeled');
      // The second command's echo starts on a line of its own, after the first one's output.
      await expect(screen(page)).toContainText(/namespace\/bookinfo created.*kubectl label namespace/);
      // Again: the namespace exists now, kubectl exits 1 and the page says so.
      await runs.nth(0).click();
      await expect(runStatus(page, 'create-namespace', 0)).toHaveText(TEXT[locale].exit1, { timeout: 30_000 });
      await expect(runs.nth(0)).toHaveAttribute('data-exit-code', '1');
      expect(await checkUntilPassed(page, locale, 'create-namespace', 2)).toBe('passed');
      await step(page, 'create-namespace').screenshot({ path: `${OUT}/run-status-${locale}.png` });
    });

    test('Solve on the step that removes /status shows 404 in the terminal', async ({ page }) => {
      test.setTimeout(360_000);
      await openLab(page, locale, INGRESS);
      await waitForTerminal(page, locale);
      for (const id of ['create-namespace', 'deploy-httpbin', 'create-gateway', 'route-status-and-delay']) {
        await solve(page, locale, id);
        expect(await checkUntilPassed(page, locale, id, 4), `step ${id}`).toBe('passed');
      }
      await typeLine(page, 'clear');
      await solve(page, locale, 'remove-status-route');
      await expect(step(page, 'remove-status-route').getByRole('alert')).toHaveCount(0);
      // The curl of /status/200 ran after the new VirtualService took effect: 404, not 200.
      await expect(screen(page)).toContainText(/PORT\/status\/200\s*404/, { timeout: 30_000 });
      await expect(screen(page)).not.toContainText(/PORT\/status\/200\s*200/);
      await expect(screen(page)).toContainText(/PORT\/delay\/1\s*200/, { timeout: 30_000 });
      expect(await checkUntilPassed(page, locale, 'remove-status-route', 2)).toBe('passed');
      await page.screenshot({ path: `${OUT}/solve-404-${locale}.png` });
    });

    test('on a phone, Run on step 1 shows its output on screen, in at least 60 columns', async ({ browser }) => {
      test.setTimeout(180_000);
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
      const page = await context.newPage();
      await openLab(page, locale, INGRESS);
      await waitForTerminal(page, locale);
      const box = page.locator('[data-terminal="main"]');
      expect(Number(await box.getAttribute('data-cols'))).toBeGreaterThanOrEqual(60);
      await page.screenshot({ path: `${OUT}/phone-before-run-${locale}.png` });
      const run = runButtons(page, locale, 'create-namespace').first();
      await run.tap();
      // Feedback where the finger is, and the drawer opens with the output.
      await expect(runStatus(page, 'create-namespace', 0)).toHaveText(TEXT[locale].ranOk, { timeout: 30_000 });
      const inWindow = async (l: Locator) => {
        const b = await l.boundingBox();
        return !!b && b.y >= 0 && b.y + b.height <= 844 && b.x >= 0 && b.x + b.width <= 390;
      };
      // The status beside Run stays in sight above the opened drawer.
      await expect(page.locator('#lab-terminal')).toHaveAttribute('data-drawer', 'open');
      await expect
        .poll(
          async () => {
            const status = (await runStatus(page, 'create-namespace', 0).boundingBox())!;
            const drawer = (await page.locator('#lab-terminal').boundingBox())!;
            return status.y >= 0 && status.y + status.height <= drawer.y;
          },
          { message: 'the Run status is above the drawer' },
        )
        .toBe(true);
      const line = page.locator('[data-terminal="main"] .xterm-rows > div', { hasText: 'namespace/bookinfo created' });
      await expect(line).toBeVisible();
      await expect.poll(() => inWindow(line), { message: 'the output line is inside the window' }).toBe(true);
      expect(Number(await box.getAttribute('data-cols'))).toBeGreaterThanOrEqual(60);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(1);
      await page.screenshot({ path: `${OUT}/phone-after-run-${locale}.png` });
      await context.close();
    });

    test('the keyboard alone completes a step; F6 leaves the terminal and comes back', async ({ page }) => {
      test.setTimeout(180_000);
      await openLab(page, locale, INGRESS);
      await waitForTerminal(page, locale);
      await page.locator('[data-skip-to-terminal]').waitFor({ state: 'attached' });
      // The skip link is the first thing Tab reaches.
      await page.keyboard.press('Tab');
      await expect(page.locator('[data-skip-to-terminal]')).toBeFocused();
      await page.keyboard.press('Enter');
      expect(await focusInTerminal(page)).toBe(true);
      // The input says how to leave, in the page's language.
      const help = await page.evaluate(() => {
        const input = document.activeElement!;
        return document.getElementById(input.getAttribute('aria-describedby') ?? '')?.textContent ?? '';
      });
      expect(help).toContain('F6');
      // F6 leaves to the step to do next (Tab stays the shell's completion).
      await page.keyboard.press('F6');
      expect(await focusInTerminal(page)).toBe(false);
      const runs = runButtons(page, locale, 'create-namespace');
      await expect(runs.first()).toBeFocused();
      await page.keyboard.press('Enter');
      await expect(runStatus(page, 'create-namespace', 0)).toHaveText(TEXT[locale].ranOk, { timeout: 30_000 });
      // Tab on to the second Run, then to Check.
      const check = step(page, 'create-namespace').getByRole('button', { name: LABELS[locale].check, exact: true });
      for (const target of [runs.nth(1), check]) {
        for (let i = 0; i < 10 && !(await target.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
        await expect(target).toBeFocused();
        await page.keyboard.press('Enter');
        if (target !== check) await expect(runStatus(page, 'create-namespace', 1)).toHaveText(TEXT[locale].ranOk, { timeout: 30_000 });
      }
      await expect(step(page, 'create-namespace')).toHaveAttribute('data-status', 'passed', { timeout: 30_000 });
      // Focus stayed on Check while it ran (not dropped to the page).
      await expect(check).toBeFocused();
      await page.keyboard.press('Shift+F6');
      expect(await focusInTerminal(page)).toBe(true);
      // The end of each command is read out (a live region): its output and how it ended.
      const announced = page.locator('[data-terminal="main"] [data-terminal-announce]');
      await expect(announced).toHaveAttribute('aria-live', 'polite');
      await expect(announced).toContainText('namespace/bookinfo labeled');
      await expect(announced).toContainText(TEXT[locale].ranOk);
      // xterm's screen-reader mode (rows as text) is one button away, and stays on after a reload.
      await page.locator('[data-terminal="main"] [data-action="screen-reader"]').click();
      await expect(page.locator('[data-terminal="main"] .xterm-accessibility-tree')).toContainText('namespace/bookinfo labeled');
      await page.reload();
      await waitForTerminal(page, locale);
      await expect(page.locator('[data-terminal="main"] [data-action="screen-reader"]')).toHaveAttribute('aria-pressed', 'true');
      await page.screenshot({ path: `${OUT}/keyboard-${locale}.png` });
    });

    test('each lab has its own shell', async ({ page }) => {
      test.setTimeout(180_000);
      await openLab(page, locale, INGRESS);
      await waitForTerminal(page, locale);
      await expect(screen(page)).toContainText(`[${INGRESS}]`, { timeout: 30_000 });
      await typeLine(page, 'echo "ingress-marker-$((40+2))"');
      await expect(screen(page)).toContainText('ingress-marker-42');
      await openLab(page, locale, EGRESS);
      await waitForTerminal(page, locale);
      await expect(screen(page)).toContainText(`[${EGRESS}]`, { timeout: 30_000 });
      await expect(screen(page)).not.toContainText(`[${INGRESS}]`);
      await expect(screen(page)).not.toContainText('ingress-marker-42');
      await page.screenshot({ path: `${OUT}/egress-own-shell-${locale}.png` });
      // Back on the ingress lab: its shell, with what was typed there.
      await openLab(page, locale, INGRESS);
      await waitForTerminal(page, locale);
      await expect(screen(page)).toContainText('ingress-marker-42', { timeout: 30_000 });
    });
  });
}

test('Ctrl+Shift+V pastes once', async ({ page, context }) => {
  test.setTimeout(120_000);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openLab(page, 'en', INGRESS);
  await waitForTerminal(page, 'en');
  await expect(screen(page)).toContainText(`[${INGRESS}]`, { timeout: 30_000 });
  await page.evaluate(() => navigator.clipboard.writeText('echo "pasted-$((20+1))-end"'));
  await page.locator('[data-terminal="main"] .xterm-helper-textarea').focus();
  await page.keyboard.press('Control+Shift+V');
  await page.keyboard.press('Enter');
  await expect(screen(page)).toContainText('pasted-21-end');
  // Pasted twice, the line would read `echo "…-end"echo "…-end"` and print it joined.
  await expect(screen(page)).not.toContainText('-endecho');
  await expect(screen(page)).not.toContainText('pasted-21-endpasted');
});

for (const colorScheme of ['light', 'dark'] as const)
  test(`the terminal area has no serious accessibility violation on a phone (${colorScheme})`, async ({ browser }) => {
    test.setTimeout(120_000);
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme });
    const page = await context.newPage();
    await openLab(page, 'zh-Hans', INGRESS);
    await waitForTerminal(page, 'zh-Hans');
    await runButtons(page, 'zh-Hans', 'create-namespace').first().click();
    await expect(page.locator('#lab-terminal')).toHaveAttribute('data-drawer', 'open');
    await expect(runStatus(page, 'create-namespace', 0)).toHaveText(TEXT['zh-Hans'].ranOk, { timeout: 30_000 });
    await page.waitForTimeout(400); // the drawer slides in
    const results = await new AxeBuilder({ page }).include('#lab-terminal').include('[data-run-status]').include('[data-skip-to-terminal]').analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    await page.screenshot({ path: `${OUT}/phone-drawer-zh-Hans-${colorScheme}.png` });
    await context.close();
  });
