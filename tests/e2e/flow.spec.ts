// The lab's flow around the steps, in both languages: Clear progress asks first; the time since
// the lab started shows in the lab's bar and survives a reload; the finished screen appears once
// every step has passed, with the time taken and the way on (the next lab, or the list of labs
// after the last one); a Check of an earlier step that a later step undid (the clean-up) does not
// turn it red; and two tabs with two labs each have a shell whose prompt names its lab.
import { expect, test, type Page } from '@playwright/test';
import { LABELS, checkUntilPassed, labBar, openLab, step, stepIds, waitForTerminal, type Locale } from './lab-helpers.ts';

const LOCALES: Locale[] = ['zh-Hans', 'en'];

/** The seconds the bar's clock shows, or null before the lab has started. */
async function elapsedSeconds(page: Page): Promise<number | null> {
  const value = await labBar(page).locator('[data-lab-elapsed]').getAttribute('data-lab-elapsed');
  return value ? Number(value) : null;
}

/** The progress API answers that the steps `passed()` names have passed (the server is not asked). */
async function fakeProgress(page: Page, lab: string, passed: () => string[]): Promise<void> {
  await page.route(`**/api/labs/${lab}/progress`, (route) =>
    route.fulfill({ json: { lab, steps: passed().map((s) => ({ step: s, status: 'passed', report: null, updatedAt: new Date().toISOString() })) } }),
  );
}

const STEPS: Record<string, string[]> = {};
async function labSteps(page: Page, locale: Locale, lab: string): Promise<string[]> {
  if (!STEPS[lab]) {
    await openLab(page, locale, lab);
    STEPS[lab] = await stepIds(page);
  }
  return STEPS[lab]!;
}

for (const locale of LOCALES) {
  const L = LABELS[locale];

  test(`the clock starts with the first action, survives a reload; Clear progress asks first (${locale})`, async ({ page }) => {
    test.setTimeout(180_000);
    await openLab(page, locale, 'ingress-gateway');
    await waitForTerminal(page, locale);
    const [first] = await stepIds(page);
    // Reading is not doing: no time yet.
    expect(await elapsedSeconds(page)).toBeNull();
    await expect(labBar(page).getByRole('timer')).toHaveText(locale === 'en' ? 'Time –' : '用时 –');

    await step(page, first!).getByRole('button', { name: L.solve, exact: true }).click();
    expect(await checkUntilPassed(page, locale, first!)).toBe('passed');
    await expect.poll(() => elapsedSeconds(page)).toBeGreaterThanOrEqual(1);
    const beforeReload = (await elapsedSeconds(page))!;

    await page.reload();
    await openLab(page, locale, 'ingress-gateway');
    // Kept across the reload, and still running.
    await expect.poll(() => elapsedSeconds(page)).toBeGreaterThanOrEqual(beforeReload);
    await expect.poll(() => elapsedSeconds(page), { timeout: 5_000 }).toBeGreaterThan(beforeReload);
    await expect(labBar(page).getByRole('timer')).toHaveText(locale === 'en' ? /^Time \d+:\d\d$/ : /^用时 \d+:\d\d$/);

    // Clear progress asks first; Esc and Cancel leave everything as it was.
    const clear = labBar(page).getByRole('button', { name: L.clear, exact: true });
    const dialog = page.getByRole('dialog', { name: L.clearTitle });
    await clear.click();
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole('button', { name: L.cancel, exact: true })).toBeFocused();
    await page.screenshot({ path: `test-results/clear-dialog-${locale}.png` });
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expect(clear).toBeFocused();
    await expect(step(page, first!)).toHaveAttribute('data-status', 'passed');
    await clear.click();
    await dialog.getByRole('button', { name: L.cancel, exact: true }).click();
    await expect(step(page, first!)).toHaveAttribute('data-status', 'passed');

    await clear.click();
    await dialog.getByRole('button', { name: L.clearYes, exact: true }).click();
    await expect(step(page, first!)).toHaveAttribute('data-status', 'pending');
    await expect(labBar(page)).toHaveAttribute('data-lab-progress', /^0\//);
    await expect.poll(() => elapsedSeconds(page)).toBeNull();
    // Only the progress went: the cluster still has what the step made.
    expect(await checkUntilPassed(page, locale, first!, 3)).toBe('passed');
  });

  test(`the last passing Check opens the finished screen, with the time taken and the next lab (${locale})`, async ({ page }) => {
    const ids = await labSteps(page, locale, 'ingress-gateway');
    const last = ids[ids.length - 1]!;
    // Started 12 min 34 s ago (once: the script runs at every page load); every step but the last passed.
    await page.addInitScript((startedAt) => {
      const key = 'meshlab.lab.ingress-gateway.clock';
      if (!localStorage.getItem(key)) localStorage.setItem(key, JSON.stringify({ startedAt }));
    }, Date.now() - 754_000);
    let lastPassed = false;
    await fakeProgress(page, 'ingress-gateway', () => (lastPassed ? ids : ids.slice(0, -1)));
    await page.route(`**/api/labs/ingress-gateway/steps/${last}/check`, (route) => {
      lastPassed = true;
      return route.fulfill({ json: { lab: 'ingress-gateway', step: last, passed: true, checks: [], hints: [], durationMs: 5, at: new Date().toISOString() } });
    });
    await openLab(page, locale, 'ingress-gateway');
    await expect(page.locator('[data-lab-finished]')).toHaveCount(0);
    await expect(labBar(page).getByRole('timer')).toHaveText(locale === 'en' ? /^Time 12:[34]\d$/ : /^用时 12:[34]\d$/);

    await step(page, last).getByRole('button', { name: L.check, exact: true }).click();
    const finished = page.getByRole('region', { name: locale === 'en' ? 'Lab complete' : '实验完成' });
    await expect(finished).toBeVisible();
    // Brought to the learner: in view, its heading focused (read out by screen readers).
    await expect(finished).toBeInViewport();
    await expect(finished.getByRole('heading')).toBeFocused();
    await expect(finished).toContainText(locale === 'en' ? /Time taken: 12:[34]\d \(estimated 20 minutes\)/ : /用时 12:[34]\d（预计 20 分钟）/);
    // The clock stopped.
    await expect(labBar(page).getByRole('timer')).toHaveText(locale === 'en' ? /^Finished in 12:[34]\d$/ : /^总用时 12:[34]\d$/);
    const next = finished.getByRole('link', { name: locale === 'en' ? /Next lab: Egress gateway/ : /下一个实验：出口网关/ });
    await expect(next).toHaveAttribute('href', `${L.prefix}/docs/egress-gateway?api=istio`);
    await page.screenshot({ path: `test-results/finished-${locale}.png` });

    // A reload keeps the time taken; the clock no longer runs.
    await page.reload();
    await openLab(page, locale, 'ingress-gateway');
    await expect(page.locator('[data-lab-finished]')).toBeVisible();
    const taken = await page.locator('[data-lab-time-taken]').getAttribute('data-lab-time-taken');
    await page.waitForTimeout(1500);
    await expect(page.locator('[data-lab-time-taken]')).toHaveAttribute('data-lab-time-taken', taken!);
    await next.click();
    await expect(page).toHaveURL(new RegExp(`${L.prefix}/docs/egress-gateway\\?api=istio$`));
    await expect(page.locator('[data-lab="egress-gateway"]')).toBeVisible();
  });

  test(`after the last lab the finished screen leads back to the list of labs (${locale})`, async ({ page }) => {
    const ids = await labSteps(page, locale, 'egress-gateway');
    await fakeProgress(page, 'egress-gateway', () => ids);
    await openLab(page, locale, 'egress-gateway');
    const finished = page.locator('[data-lab-finished]');
    await expect(finished).toBeVisible();
    const back = finished.getByRole('link', { name: locale === 'en' ? /back to the list of labs/ : /回到实验列表/ });
    await expect(back).toHaveAttribute('href', `${L.prefix}/`);
    await back.click();
    await expect(page).toHaveURL(new RegExp(`${L.prefix}/$`));
  });
}

for (const locale of LOCALES) {
  test(`a Check of an earlier step after the clean-up step says the clean-up removed it, and stays passed (${locale})`, async ({ page }) => {
    test.setTimeout(240_000);
    const L = LABELS[locale];
    await openLab(page, locale, 'egress-gateway');
    await waitForTerminal(page, locale);
    const ids = await stepIds(page);
    const [first] = ids;
    const cleanUp = ids[ids.length - 1]!;
    await step(page, first!).getByRole('button', { name: L.solve, exact: true }).click();
    expect(await checkUntilPassed(page, locale, first!)).toBe('passed');
    await step(page, cleanUp).getByRole('button', { name: L.solve, exact: true }).click();
    expect(await checkUntilPassed(page, locale, cleanUp)).toBe('passed');

    // The clean-up deleted the client pod step 1 checks: not the learner's mistake.
    const section = step(page, first!);
    await section.getByRole('button', { name: L.check, exact: true }).click();
    const report = section.locator('[data-report]');
    await expect(report).toHaveAttribute('data-report', 'changed-by-later-steps', { timeout: 30_000 });
    await expect(report).toContainText(locale === 'en' ? 'Later steps changed what this step checks' : '后面的步骤改变了这一步检查的内容');
    await expect(report).toContainText(locale === 'en' ? '“8. Clean up”' : '“8. 清理”');
    await expect(section).toHaveAttribute('data-status', 'passed');
    await section.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `test-results/changed-by-later-steps-${locale}.png` });
    // And after a reload: still passed, with the report of its real pass.
    await page.reload();
    await openLab(page, locale, 'egress-gateway');
    await expect(step(page, first!)).toHaveAttribute('data-status', 'passed');
    await expect(step(page, first!).locator('[data-report]')).toHaveAttribute('data-report', 'passed');
  });
}

for (const locale of LOCALES) {
  test(`Redo this step undoes it, and the later steps done, on the cluster (${locale})`, async ({ page }) => {
    test.setTimeout(240_000);
    const L = LABELS[locale];
    await openLab(page, locale, 'ingress-gateway');
    await waitForTerminal(page, locale);
    const ids = await stepIds(page);
    const [namespace, , gateway] = ids;
    const redoName = locale === 'en' ? 'Redo this step' : '重做这一步';
    // Not started: nothing to redo.
    await expect(step(page, namespace!).getByRole('button', { name: redoName })).toHaveCount(0);
    for (const id of [namespace!, gateway!]) {
      await step(page, id).getByRole('button', { name: L.solve, exact: true }).click();
      expect(await checkUntilPassed(page, locale, id)).toBe('passed');
    }

    const redo = step(page, namespace!).getByRole('button', { name: redoName, exact: true });
    await redo.click();
    const dialog = page.getByRole('dialog', { name: locale === 'en' ? 'Redo step 1?' : '重做第 1 步？' });
    await expect(dialog).toBeVisible();
    // It says the later step done goes too.
    await expect(dialog).toContainText(locale === 'en' ? 'the later steps you did (step 3)' : '（第 3 步）');
    await page.screenshot({ path: `test-results/redo-dialog-${locale}.png` });
    const undo = page.waitForResponse((r) => r.url().endsWith(`/steps/${namespace}/undo`), { timeout: 120_000 });
    await dialog.getByRole('button', { name: locale === 'en' ? 'Undo and redo' : '撤销并重做', exact: true }).click();
    expect((await undo).status()).toBe(200);
    for (const id of [namespace!, gateway!]) await expect(step(page, id)).toHaveAttribute('data-status', 'pending');
    await expect(labBar(page)).toHaveAttribute('data-lab-progress', /^0\//);

    // Undone on the cluster: the namespace and the Gateway in it are gone, and step 1 can be done again.
    expect(await checkUntilPassed(page, locale, gateway!, 1)).toBe('failed');
    expect(await checkUntilPassed(page, locale, namespace!, 1)).toBe('failed');
    await step(page, namespace!).getByRole('button', { name: L.solve, exact: true }).click();
    expect(await checkUntilPassed(page, locale, namespace!)).toBe('passed');
  });
}

test('two tabs with two labs: each prompt names its own lab', async ({ context }) => {
  test.setTimeout(180_000);
  const ingress = await context.newPage();
  const egress = await context.newPage();
  await openLab(ingress, 'en', 'ingress-gateway');
  await waitForTerminal(ingress, 'en');
  // The egress page opens second: its shell is the learner's newest.
  await openLab(egress, 'en', 'egress-gateway');
  await waitForTerminal(egress, 'en');

  for (const [page, lab, other] of [
    [ingress, 'ingress-gateway', 'egress-gateway'],
    [egress, 'egress-gateway', 'ingress-gateway'],
  ] as const) {
    await page.bringToFront();
    const rows = page.locator('[data-terminal="main"] .xterm-rows');
    await page.locator('[data-terminal="main"] .xterm').click();
    await page.keyboard.type(`echo "tab-of-$((40+2))-${lab}"`);
    await page.keyboard.press('Enter');
    await expect(rows).toContainText(`tab-of-42-${lab}`, { timeout: 20_000 });
    // The prompt after that output: a fresh one, drawn after the other tab's shell started.
    await expect.poll(async () => (await rows.innerText()).split(`tab-of-42-${lab}`).pop()!).toContain(`[${lab}]`);
    expect((await rows.innerText()).split(`tab-of-42-${lab}`).pop()).not.toContain(`[${other}]`);
    await page.screenshot({ path: `test-results/two-tabs-${lab}.png` });
  }
});
