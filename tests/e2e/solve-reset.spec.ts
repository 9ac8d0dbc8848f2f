// Solve types a step's solution into the terminal (then Check passes); Reset asks first, and
// once confirmed returns the cluster to the lab's start and clears the lab's progress.
import { expect, test } from '@playwright/test';
import { LABELS, checkUntilPassed, openLab, step, stepIds, waitForTerminal } from './lab-helpers.ts';

test('Solve, then Reset with confirmation (zh-Hans)', async ({ page }) => {
  test.setTimeout(240_000);
  const L = LABELS['zh-Hans'];
  await openLab(page, 'zh-Hans', 'ingress-gateway');
  await waitForTerminal(page, 'zh-Hans');
  const [first] = await stepIds(page);
  const section = step(page, first!);

  await section.getByRole('button', { name: L.solve, exact: true }).click();
  expect(await checkUntilPassed(page, 'zh-Hans', first!)).toBe('passed');
  await expect(page.locator('[data-lab-progress]')).toHaveAttribute('data-lab-progress', /^1\//);

  // Reset asks first; cancelling changes nothing.
  await section.getByRole('button', { name: L.reset, exact: true }).click();
  const dialog = section.getByRole('alertdialog');
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: '取消' }).click();
  await expect(dialog).toBeHidden();
  await expect(section).toHaveAttribute('data-status', 'passed');

  const reset = page.waitForResponse((r) => r.url().endsWith('/api/labs/ingress-gateway/reset'), { timeout: 120_000 });
  await section.getByRole('button', { name: L.reset, exact: true }).click();
  await section.getByRole('alertdialog').getByRole('button', { name: '确定重置' }).click();
  expect((await reset).status()).toBe(200);
  await expect(section).toHaveAttribute('data-status', 'pending');
  await expect(page.locator('[data-lab-progress]')).toHaveAttribute('data-lab-progress', /^0\//);

  // The cluster is back at the lab's start: the namespace the solution created is gone.
  expect(await checkUntilPassed(page, 'zh-Hans', first!, 1)).toBe('failed');
});
