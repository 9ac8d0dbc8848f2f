// Accessibility of the lab pages (WCAG 2.2 AA): axe-core finds no serious or critical violation on
// either lab, in either language, in either theme; every diagram has a text alternative and text of
// at least 12 px at desktop width; the terminal is wide enough for `kubectl get svc` on a desktop
// and for 60 columns on a phone. The keyboard alone completing a step (skip link, F6, Tab, Enter)
// is tested in learner.spec.ts.
import { resolve } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { LABELS, openLab, step, waitForTerminal, type Locale } from './lab-helpers.ts';

const OUT = resolve(import.meta.dirname, '..', '..', 'test-results', 'screenshots');
const LOCALES: Locale[] = ['zh-Hans', 'en'];
const LABS = ['ingress-gateway', 'egress-gateway'];
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

/** Waits until every Mermaid diagram of the page has rendered its SVG. */
async function diagramsRendered(page: Page): Promise<number> {
  const containers = page.locator('.docusaurus-mermaid-container');
  await expect.poll(async () => (await containers.count()) === (await containers.locator('svg').count()) && (await containers.count()) > 0).toBe(true);
  return containers.count();
}

/** Serious and critical violations, one line each: rule, then the elements it found. */
async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => `${n.target.join(' ')} ${n.failureSummary?.split('\n').slice(1).join(' ') ?? ''}`).join(' | ')}`);
}

for (const locale of LOCALES)
  for (const lab of LABS)
    for (const colorScheme of ['light', 'dark'] as const)
      test(`${lab} (${locale}, ${colorScheme}) has no serious or critical axe violation`, async ({ browser }) => {
        test.setTimeout(120_000);
        const context = await browser.newContext({ viewport: DESKTOP, colorScheme });
        const page = await context.newPage();
        await openLab(page, locale, lab);
        await expect(page.locator('html')).toHaveAttribute('data-theme', colorScheme);
        await waitForTerminal(page, locale);
        await diagramsRendered(page);
        // The page as a learner sees it mid-step: a command's status beside Run, and on the ingress
        // lab a failed Check's report (its colours, the red badge).
        const first = page.locator('[data-step]').first();
        await first.getByRole('button', { name: LABELS[locale].run, exact: true }).first().click();
        await expect(first.locator('[data-run-status]').first()).not.toBeEmpty({ timeout: 30_000 });
        if (lab === 'ingress-gateway') {
          await step(page, 'create-namespace').getByRole('button', { name: LABELS[locale].check, exact: true }).click();
          await expect(step(page, 'create-namespace').locator('[data-report]')).toBeVisible({ timeout: 30_000 });
        }
        expect(await seriousViolations(page)).toEqual([]);
        await page.screenshot({ path: `${OUT}/axe-${lab}-${locale}-${colorScheme}.png` });
        await context.close();
      });

interface DiagramReading {
  kind: string;
  title: string;
  description: string;
  /** The smallest text in the diagram, in CSS pixels as rendered. */
  smallestTextPx: number;
}

/** Each rendered diagram's accessible title and description and its smallest rendered text. */
function readDiagrams(page: Page): Promise<DiagramReading[]> {
  return page.locator('.docusaurus-mermaid-container svg').evaluateAll((svgs) =>
    (svgs as SVGSVGElement[]).map((svg) => {
      const byId = (attr: string) => (svg.getAttribute(attr) ?? '').split(/\s+/).map((id) => (id ? svg.ownerDocument.getElementById(id)?.textContent ?? '' : '')).join(' ').trim();
      const box = svg.getBoundingClientRect();
      const view = svg.viewBox.baseVal;
      // Text inside the SVG is drawn in the viewBox's units, scaled to the rendered size.
      const scale = view && view.width > 0 ? Math.min(box.width / view.width, box.height / view.height) : 1;
      let smallest = Infinity;
      for (const el of svg.querySelectorAll('*')) {
        if (el.closest('title, desc, style')) continue;
        const ownText = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim() !== '');
        if (ownText) smallest = Math.min(smallest, parseFloat(getComputedStyle(el).fontSize) * scale);
      }
      return { kind: svg.getAttribute('aria-roledescription') ?? '', title: byId('aria-labelledby'), description: byId('aria-describedby'), smallestTextPx: smallest };
    }),
  );
}

for (const locale of LOCALES)
  test(`every diagram (${locale}) has a text alternative and text of at least 12 px at desktop width`, async ({ page }) => {
    for (const doc of [...LABS, 'traffic-overview']) {
      await page.goto(`${LABELS[locale].prefix}/docs/${doc}`);
      const count = await diagramsRendered(page);
      const diagrams = await readDiagrams(page);
      expect(diagrams).toHaveLength(count);
      for (const [i, d] of diagrams.entries()) {
        const where = `${doc} diagram ${i + 1} (${d.kind})`;
        expect(d.title, `${where}: accTitle`).not.toBe('');
        // The description says the whole path in words, not just a name.
        expect(d.description.length, `${where}: accDescr "${d.description}"`).toBeGreaterThan(60);
        expect(d.smallestTextPx, `${where}: smallest text`).toBeGreaterThanOrEqual(12);
        await page.locator('.docusaurus-mermaid-container').nth(i).screenshot({ path: `${OUT}/diagram-${doc}-${i + 1}-${locale}.png` });
      }
    }
  });

/** The terminal's column count (the component shows it in data-cols) once it has its shell. */
async function terminalColumns(page: Page, locale: Locale): Promise<number> {
  await waitForTerminal(page, locale);
  const box = page.locator('[data-terminal="main"]');
  await expect(box).toHaveAttribute('data-cols', /\d+/);
  return Number(await box.getAttribute('data-cols'));
}

test('the terminal gives at least 100 columns at 1440×900 and at least 60 on a 390×844 phone', async ({ browser }) => {
  test.setTimeout(120_000);
  for (const [viewport, atLeast] of [
    [DESKTOP, 100],
    [PHONE, 60],
  ] as const) {
    const context = await browser.newContext({ viewport, isMobile: viewport === PHONE, hasTouch: viewport === PHONE });
    const page = await context.newPage();
    await openLab(page, 'en', 'ingress-gateway');
    expect(await terminalColumns(page, 'en'), `columns at ${viewport.width}×${viewport.height}`).toBeGreaterThanOrEqual(atLeast);
    // Nothing wider than the window.
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(1);
    await page.screenshot({ path: `${OUT}/terminal-columns-${viewport.width}.png` });
    await context.close();
  }
});
