// The egress-gateway lab in the browser (English): the page prepares REGISTRY_ONLY, and every
// step passes by Run and Check, helm install of the egress gateway included.
import { expect, test } from '@playwright/test';
import { completeStep, openLab, stepIds, waitForTerminal } from './lab-helpers.ts';

test('completes the egress-gateway lab by Run and Check (en)', async ({ page }) => {
  test.setTimeout(600_000);
  await openLab(page, 'en', 'egress-gateway');
  await waitForTerminal(page, 'en');
  const ids = await stepIds(page);
  for (const id of ids) await completeStep(page, 'en', id);
  await expect(page.locator('[data-lab-progress]')).toHaveAttribute('data-lab-progress', `${ids.length}/${ids.length}`);
});
