// A deliberately wrong command (a misspelt namespace) gives a failed Check whose report says what
// was expected and what was found.
import { resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { LABELS, checkUntilPassed, openLab, step, stepIds, terminal, waitForTerminal } from './lab-helpers.ts';

test('a wrong command fails its Check with expected and actual', async ({ page }) => {
  test.setTimeout(180_000);
  await openLab(page, 'en', 'ingress-gateway');
  await waitForTerminal(page, 'en');
  const [first] = await stepIds(page);
  await terminal(page, 'en').first().click();
  await page.keyboard.type('kubectl create namespace bookinfoo\n');
  await page.waitForTimeout(1000);

  const status = await checkUntilPassed(page, 'en', first!, 1);
  expect(status).toBe('failed');
  const section = step(page, first!);
  await expect(section).toHaveAttribute('data-status', 'failed');
  const report = section.locator('[data-report="failed"]');
  await expect(report).toBeVisible();
  await expect(report).toContainText('Check failed');
  // The report names the missing object and shows what was expected against what was found.
  await expect(report).toContainText('bookinfo');
  await expect(report).toContainText(/Expected|expected/);
  await expect(section.getByRole('button', { name: LABELS.en.check, exact: true })).toBeEnabled();

  // How a failed check looks, in both colour modes.
  const out = resolve(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await expect(page.locator('html')).toHaveAttribute('data-theme', colorScheme);
    await section.screenshot({ path: `${out}/check-failed-en-${colorScheme}.png` });
  }
});
