// A chapter's page offers both APIs as istio.io's pages do: the learner picks "Istio APIs" or
// "Gateway API" in a tab set (Docusaurus Tabs, groupId "api"), the lab bar, steps and terminal
// follow the choice, the choice persists across reloads and pages, each lab keeps its progress,
// and the Gateway API labs' old addresses lead to their tab.
import { expect, test, type Page } from '@playwright/test';
import { LABELS, completeStep, labBar, step, waitForTerminal, type Locale } from './lab-helpers.ts';

const tab = (page: Page, name: 'Istio APIs' | 'Gateway API') => page.getByRole('tab', { name, exact: true });

for (const locale of ['zh-Hans', 'en'] as Locale[]) {
  const prefix = LABELS[locale].prefix;

  test(`switches the ingress chapter to the Gateway API and runs a step there (${locale})`, async ({ page }) => {
    test.setTimeout(240_000);
    await page.goto(`${prefix}/docs/ingress-gateway`);
    // A first visit shows Istio's APIs, as istio.io does.
    await expect(tab(page, 'Istio APIs')).toHaveAttribute('aria-selected', 'true');
    await expect(page.locator('[data-lab="ingress-gateway"]')).toBeVisible();
    await expect(page.locator('[data-lab="ingress-gateway-api"]')).toHaveCount(0);

    await tab(page, 'Gateway API').click();
    await expect(page).toHaveURL(new RegExp(`${prefix}/docs/ingress-gateway\\?api=gateway-api$`));
    await expect(page.locator('[data-lab="ingress-gateway-api"]')).toBeVisible();
    await expect(page.locator('[data-lab="ingress-gateway"]')).toHaveCount(0);
    await expect(page.locator('[data-lab-progress][data-loaded="true"]')).toHaveAttribute('data-lab-progress', '0/8');
    await expect(step(page, 'find-gateway-address')).toBeVisible();
    await waitForTerminal(page, locale);
    await completeStep(page, locale, 'create-namespace');
    await expect(labBar(page)).toHaveAttribute('data-lab-progress', '1/8');
    await page.screenshot({ path: `test-results/api-tabs-gateway-api-${locale}.png` });

    // A reload keeps the tab and the Gateway API lab's progress.
    await page.reload();
    await expect(tab(page, 'Gateway API')).toHaveAttribute('aria-selected', 'true');
    await expect(page.locator('[data-lab-progress][data-loaded="true"]')).toHaveAttribute('data-lab-progress', '1/8');
    await expect(step(page, 'create-namespace')).toHaveAttribute('data-status', 'passed');

    // The choice holds on the egress chapter's page too (no query string: the stored choice).
    await page.goto(`${prefix}/docs/egress-gateway`);
    await expect(tab(page, 'Gateway API')).toHaveAttribute('aria-selected', 'true');
    await expect(page.locator('[data-lab="egress-gateway-api"]')).toBeVisible();

    // Back on Istio's APIs, the Istio lab has its own progress, untouched.
    await page.goto(`${prefix}/docs/ingress-gateway`);
    await tab(page, 'Istio APIs').click();
    await expect(page.locator('[data-lab="ingress-gateway"]')).toBeVisible();
    await expect(page.locator('[data-lab-progress][data-loaded="true"]')).toHaveAttribute('data-lab-progress', /^0\//);
    await expect(step(page, 'create-namespace')).toHaveAttribute('data-status', 'pending');
    await page.screenshot({ path: `test-results/api-tabs-istio-${locale}.png` });
  });

  test(`the Gateway API labs' old addresses lead to their tab (${locale})`, async ({ page }) => {
    for (const [old, chapter] of [
      ['ingress-gateway-api', 'ingress-gateway'],
      ['egress-gateway-api', 'egress-gateway'],
    ] as const) {
      await page.goto(`${prefix}/docs/${old}`);
      await expect(page).toHaveURL(new RegExp(`${prefix}/docs/${chapter}\\?api=gateway-api$`));
      await expect(tab(page, 'Gateway API')).toHaveAttribute('aria-selected', 'true');
      await expect(page.locator(`[data-lab="${old}"]`)).toBeVisible();
    }
  });
}
