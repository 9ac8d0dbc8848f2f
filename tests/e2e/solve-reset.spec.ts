// Solve types a step's solution into the terminal (then Check passes). Reset is the lab's, in
// the bar above the steps: it asks first in a modal dialog (focus kept inside, Esc cancels, the
// focus goes back to Reset), and once confirmed returns the cluster to the lab's start and clears
// the lab's progress, with the page left where the learner was.
import { expect, test, type Page } from '@playwright/test';
import { LABELS, checkUntilPassed, labBar, openLab, step, stepIds, waitForTerminal, type Locale } from './lab-helpers.ts';

/** The first step below the lab's bar, and where it is on the screen. */
async function stepInView(page: Page): Promise<{ id: string; top: number }> {
  return page.evaluate(() => {
    const barBottom = document.querySelector('[data-lab-bar]')!.getBoundingClientRect().bottom;
    const s = Array.from(document.querySelectorAll<HTMLElement>('[data-step]')).find((el) => el.getBoundingClientRect().bottom > barBottom)!;
    return { id: s.getAttribute('data-step')!, top: Math.round(s.getBoundingClientRect().top) };
  });
}

for (const locale of ['zh-Hans', 'en'] as Locale[]) {
  test(`Solve, then the lab's Reset with its confirmation dialog (${locale})`, async ({ page }) => {
    test.setTimeout(240_000);
    const L = LABELS[locale];
    await openLab(page, locale, 'ingress-gateway');
    await waitForTerminal(page, locale);
    const ids = await stepIds(page);
    const first = step(page, ids[0]!);

    // No step has a Reset of its own.
    await expect(page.locator('[data-step]').getByRole('button', { name: L.resetLab })).toHaveCount(0);

    await first.getByRole('button', { name: L.solve, exact: true }).click();
    expect(await checkUntilPassed(page, locale, ids[0]!)).toBe('passed');
    await expect(labBar(page)).toHaveAttribute('data-lab-progress', /^1\//);

    // The learner has read on to step 3 (step 1's report is above, out of sight).
    await step(page, ids[2]!).evaluate((el) => el.scrollIntoView({ block: 'center' }));
    const resetButton = labBar(page).getByRole('button', { name: L.resetLab, exact: true });
    await expect(resetButton).toBeInViewport();

    // Reset asks first, in a modal dialog: the focus starts on Cancel and stays inside.
    await resetButton.click();
    const dialog = page.getByRole('dialog', { name: L.resetTitle });
    await expect(dialog).toBeVisible();
    const cancel = dialog.getByRole('button', { name: L.cancel, exact: true });
    const yes = dialog.getByRole('button', { name: L.resetYes, exact: true });
    await expect(cancel).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(yes).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(cancel).toBeFocused();
    await page.keyboard.press('Shift+Tab');
    await expect(yes).toBeFocused();
    await page.screenshot({ path: `test-results/reset-dialog-${locale}.png` });
    // Esc cancels: nothing changed, the focus is back on Reset.
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expect(resetButton).toBeFocused();
    await expect(first).toHaveAttribute('data-status', 'passed');
    // So does Cancel.
    await resetButton.click();
    await dialog.getByRole('button', { name: L.cancel, exact: true }).click();
    await expect(dialog).toBeHidden();
    await expect(first).toHaveAttribute('data-status', 'passed');

    const before = await stepInView(page);
    const reset = page.waitForResponse((r) => r.url().endsWith('/api/labs/ingress-gateway/reset'), { timeout: 120_000 });
    await resetButton.click();
    await dialog.getByRole('button', { name: L.resetYes, exact: true }).click();
    expect((await reset).status()).toBe(200);
    await expect(first).toHaveAttribute('data-status', 'pending');
    await expect(labBar(page)).toHaveAttribute('data-lab-progress', /^0\//);
    await expect(first.locator('[data-report]')).toHaveCount(0);
    // The page did not jump: the same step is where it was, and the focus is back on Reset.
    await page.waitForTimeout(300);
    const after = await stepInView(page);
    expect(after.id).toBe(before.id);
    expect(Math.abs(after.top - before.top)).toBeLessThan(4);
    await expect(resetButton).toBeFocused();
    await page.screenshot({ path: `test-results/after-reset-${locale}.png` });

    // The cluster is back at the lab's start: the namespace the solution created is gone.
    expect(await checkUntilPassed(page, locale, ids[0]!, 1)).toBe('failed');
  });
}
