// Screenshots of each chapter page (and the landing page), desktop and narrow, light and dark, in both languages, into
// test-results/screenshots/ (looked at by a person; the assertions check the layout rules).
import { resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { LABELS, type Locale } from './lab-helpers.ts';

const OUT = resolve(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
const PAGES = ['ingress-gateway', 'egress-gateway', 'traffic-overview', 'home'];
const VIEWPORTS = [
  { name: 'desktop', width: 1440, height: 900 },
  { name: 'narrow', width: 390, height: 844 },
];

for (const locale of ['zh-Hans', 'en'] as Locale[])
  for (const doc of PAGES)
    for (const viewport of VIEWPORTS)
      for (const scheme of ['light', 'dark'] as const)
        test(`${doc} ${locale} ${viewport.name} ${scheme}`, async ({ browser }) => {
          const context = await browser.newContext({ viewport, colorScheme: scheme });
          const page = await context.newPage();
          await page.goto(doc === 'home' ? `${LABELS[locale].prefix}/` : `${LABELS[locale].prefix}/docs/${doc}`);
          await expect(page.locator('html')).toHaveAttribute('data-theme', scheme);
          await expect(page.locator('html')).toHaveAttribute('lang', locale);
          const lab = page.locator('[data-lab]');
          if (await lab.count()) {
            await expect(page.locator('[data-lab-progress][data-loaded="true"]')).toBeVisible();
            const steps = page.locator('[data-step]').first();
            const term = page.getByLabel(LABELS[locale].terminal, { exact: true }).first();
            // The terminal loads lazily (a placeholder first): measure once it has its shell.
            await expect(term).toHaveAttribute('data-state', 'connected', { timeout: 60_000 });
            const s = (await steps.boundingBox())!;
            if (viewport.name === 'desktop') await expect.poll(async () => (await term.boundingBox())?.x ?? -1, { message: 'terminal right of the steps' }).toBeGreaterThan(s.x + s.width - 1);
            // Narrow: the terminal is a drawer at the bottom of the window, closed (its toolbar shows).
            else await expect.poll(async () => (await term.boundingBox())?.y ?? -1, { message: 'closed drawer at the bottom' }).toBeGreaterThan(viewport.height - 80);
          }
          // Nothing wider than the screen.
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
          expect(overflow).toBeLessThanOrEqual(1);
          await page.waitForTimeout(500); // Mermaid renders after hydration
          await page.screenshot({ path: `${OUT}/${doc}-${locale}-${viewport.name}-${scheme}.png` });
          if (viewport.name === 'narrow' && (await lab.count())) {
            // On a narrow screen the terminal is a drawer: open it too.
            await page.locator('[data-drawer-toggle]').click();
            await expect(page.locator('#lab-terminal')).toHaveAttribute('data-drawer', 'open');
            await page.waitForTimeout(400); // the drawer slides in
            await page.screenshot({ path: `${OUT}/${doc}-${locale}-${viewport.name}-${scheme}-terminal.png` });
          }
          await context.close();
        });
