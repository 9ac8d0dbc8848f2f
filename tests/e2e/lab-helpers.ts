// Shared steps of the lab specs: open a lab page in a language, run a step's commands with its
// Run buttons, and press Check until the step passes (checks are eventually consistent, and a
// command typed into the terminal may still be running when Check is first pressed).
import { expect, type Locator, type Page } from '@playwright/test';

export type Locale = 'zh-Hans' | 'en';

export interface Labels {
  run: string;
  check: string;
  solve: string;
  terminal: string;
  prefix: string;
  /** The lab bar's actions and their confirmation dialogs. */
  resetLab: string;
  resetTitle: string;
  resetYes: string;
  clear: string;
  clearTitle: string;
  clearYes: string;
  cancel: string;
}

export const LABELS: Record<Locale, Labels> = {
  'zh-Hans': {
    run: '运行',
    check: '检查',
    solve: '解答',
    terminal: '终端',
    prefix: '',
    resetLab: '重置实验',
    resetTitle: '重置整个实验？',
    resetYes: '确定重置',
    clear: '清除进度',
    clearTitle: '清除本实验的进度？',
    clearYes: '确定清除',
    cancel: '取消',
  },
  en: {
    run: 'Run',
    check: 'Check',
    solve: 'Solve',
    terminal: 'Terminal',
    prefix: '/en',
    resetLab: 'Reset lab',
    resetTitle: 'Reset the whole lab?',
    resetYes: 'Yes, reset',
    clear: 'Clear progress',
    clearTitle: "Clear this lab's progress?",
    clearYes: 'Yes, clear',
    cancel: 'Cancel',
  },
};

/** The lab's bar above the steps (progress, time, Reset, Clear progress). */
export function labBar(page: Page): Locator {
  return page.locator('[data-lab-bar]');
}

/**
 * The page that opens a lab: a chapter's page holds its Istio APIs lab and, in the "Gateway API"
 * tab, the Gateway API variant (the `-api` lab), as istio.io's tabs do.
 */
export function labUrl(locale: Locale, lab: string): string {
  const api = /-api$/.test(lab);
  return `${LABELS[locale].prefix}/docs/${api ? lab.replace(/-api$/, '') : lab}?api=${api ? 'gateway-api' : 'istio'}`;
}

export async function openLab(page: Page, locale: Locale, lab: string): Promise<void> {
  await page.goto(labUrl(locale, lab));
  await expect(page.locator(`[data-lab="${lab}"]`)).toBeVisible();
  await expect(page.locator('[data-lab-progress][data-loaded="true"]')).toBeVisible();
}

export async function stepIds(page: Page): Promise<string[]> {
  return page.locator('[data-step]').evaluateAll((els) => els.map((e) => e.getAttribute('data-step')!));
}

export function step(page: Page, id: string): Locator {
  return page.locator(`[data-step="${id}"]`);
}

export function terminal(page: Page, locale: Locale): Locator {
  return page.getByLabel(LABELS[locale].terminal, { exact: true });
}

/** Waits until the page's terminal has its shell (the component shows its state in data-state). */
export async function waitForTerminal(page: Page, locale: Locale): Promise<void> {
  await expect(terminal(page, locale).first()).toHaveAttribute('data-state', 'connected', { timeout: 60_000 });
}

/** Clicks Check until the step passes or the attempts run out; returns the last status. */
export async function checkUntilPassed(page: Page, locale: Locale, id: string, attempts = 8): Promise<string | null> {
  const section = step(page, id);
  const check = section.getByRole('button', { name: LABELS[locale].check, exact: true });
  let status: string | null = null;
  for (let i = 0; i < attempts; i++) {
    await expect(check).toBeEnabled({ timeout: 60_000 });
    const answered = page.waitForResponse((r) => r.url().endsWith(`/steps/${id}/check`) && r.request().method() === 'POST', { timeout: 90_000 });
    await check.click();
    const body = (await (await answered).json()) as { passed?: boolean };
    const expected = body.passed ? 'passed' : 'failed';
    await expect(section).toHaveAttribute('data-status', expected);
    status = expected;
    if (status === 'passed') return status;
    await page.waitForTimeout(1000);
  }
  return status;
}

/** Runs every command of a step with its Run button, then checks it until it passes. */
export async function completeStep(page: Page, locale: Locale, id: string): Promise<void> {
  const section = step(page, id);
  await section.scrollIntoViewIfNeeded();
  const runs = section.getByRole('button', { name: LABELS[locale].run, exact: true });
  const n = await runs.count();
  for (let i = 0; i < n; i++) {
    await runs.nth(i).click();
    // Commands reach the shell in order; give each a moment before typing the next.
    await page.waitForTimeout(300);
  }
  const status = await checkUntilPassed(page, locale, id);
  const report = (await section.locator('[data-report]').allTextContents()).join(' ');
  expect(status, `step ${id} should pass; last report: ${report}`).toBe('passed');
  await expect(section).toHaveAttribute('data-status', 'passed');
}
