// The whole ingress-gateway lab in the browser, in both languages: Run and Check each step, with
// a reload in the middle; every step ends passed, the page shows full progress and the finished
// screen leads on to the next lab.
import { expect, test } from '@playwright/test';
import { LABELS, completeStep, labBar, openLab, step, stepIds, waitForTerminal, type Locale } from './lab-helpers.ts';

const LAB = 'ingress-gateway';

for (const locale of ['zh-Hans', 'en'] as Locale[]) {
  test(`completes the ${LAB} lab by Run and Check (${locale})`, async ({ page }) => {
    test.setTimeout(600_000);
    await openLab(page, locale, LAB);
    await waitForTerminal(page, locale);
    const ids = await stepIds(page);
    expect(ids.length).toBeGreaterThan(3);
    for (const id of ids) await expect(step(page, id)).toHaveAttribute('data-status', 'pending');

    const half = Math.floor(ids.length / 2);
    for (const id of ids.slice(0, half)) await completeStep(page, locale, id);

    // A reload keeps what was done and the learner carries on where they were.
    await page.reload();
    await openLab(page, locale, LAB);
    for (const id of ids.slice(0, half)) await expect(step(page, id)).toHaveAttribute('data-status', 'passed');
    for (const id of ids.slice(half)) await expect(step(page, id)).toHaveAttribute('data-status', 'pending');
    await waitForTerminal(page, locale);

    for (const id of ids.slice(half)) await completeStep(page, locale, id);
    await expect(page.locator('[data-lab-progress]')).toHaveAttribute('data-lab-progress', `${ids.length}/${ids.length}`);
    await expect(page.locator('[data-step][data-status="passed"]')).toHaveCount(ids.length);
    // The buttons have their accessible names in this language; Reset is the lab's, not a step's.
    for (const name of [LABELS[locale].check, LABELS[locale].solve])
      await expect(step(page, ids[0]!).getByRole('button', { name, exact: true })).toBeVisible();
    await expect(page.locator('[data-step] [data-lab-action]')).toHaveCount(0);
    await expect(labBar(page).getByRole('button', { name: LABELS[locale].resetLab, exact: true })).toBeVisible();

    // Every step passed: the finished screen, with the time taken and the next lab.
    const finished = page.locator('[data-lab-finished]');
    await expect(finished).toBeVisible();
    await expect(finished.locator('[data-lab-time-taken]')).toBeVisible();
    await expect(finished.locator('[data-next-lab]')).toHaveAttribute('href', `${LABELS[locale].prefix}/docs/egress-gateway?api=istio`);
    await page.screenshot({ path: `test-results/lab-finished-${locale}.png` });
  });
}
