// An instructor-led workshop in the real site: the dashboard (English, then Chinese) and two
// attendees (one joins with the landing page's code field in English, one with the join URL in
// Chinese). An attendee passes a step and the grid changes without a reload; the instructor opens
// that attendee's terminal and sees a command the attendee types; a take-over shows on the
// attendee's banner and the instructor's typing reaches their shell; a broadcast reaches both;
// a raised hand shows on the grid.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { completeStep, openLab, stepIds, waitForTerminal } from './lab-helpers.ts';
import { linkBundledTools } from './playwright.config.ts';
import { startServe, type ServeProcess } from '../../server/cli/serve-process.ts';

const TOKEN = 'e2e-instructor-token-0123456789abcdef';
const SHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'e2e', 'workshop');
let server: ServeProcess | undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'meshlab-e2e-workshop-'));
linkBundledTools(dataDir);

test.afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The xterm screen of a terminal view, as text. */
function screen(page: Page, scope: string) {
  return page.locator(`${scope} .xterm-rows`);
}

async function signIn(page: Page, prefix: string, signInLabel: string, title: string): Promise<void> {
  await page.goto(`${prefix}/workshop/instructor`);
  await page.locator('input[type=password]').fill(TOKEN);
  await page.getByRole('button', { name: signInLabel, exact: true }).click();
  await page.getByRole('button', { name: new RegExp(`^${title} \\(`) }).click();
  await expect(page.getByTestId('workshop-grid')).toBeVisible();
}

test('a workshop: live grid, the attendee terminal view and take-over, broadcast, raised hand', async ({ browser }) => {
  test.setTimeout(300_000);
  server = await startServe({ dataDir, env: { MESHLAB_INSTRUCTOR_TOKEN: TOKEN } });
  const title = 'Ingress workshop';
  const created = await fetch(`${server.url}/api/workshops`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', origin: server.url },
    body: JSON.stringify({ title, labs: ['ingress-gateway'], seats: 10, endsAt: new Date(Date.now() + 90 * 60_000).toISOString() }),
  });
  expect(created.status).toBe(201);
  const w = (await created.json()) as { id: string; joinCode: string };

  const instructor = await (await browser.newContext({ baseURL: server.url })).newPage();
  const ada = await (await browser.newContext({ baseURL: server.url })).newPage();
  const bo = await (await browser.newContext({ baseURL: server.url })).newPage();

  // Ada: the landing page's code field, then a name.
  await ada.goto('/en/');
  await ada.getByLabel('Type the join code the instructor shows').fill(w.joinCode.toLowerCase());
  await ada.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(ada).toHaveURL(/\/en\/workshop\/join\?code=/);
  await ada.getByLabel('Display name').fill('Ada');
  await ada.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(ada.getByTestId('workshop-banner')).toContainText(title);
  await ada.getByTestId('workshop-start').click();
  // Bo: the join URL (the QR code's target), in Chinese.
  await bo.goto(`/workshop/join?code=${w.joinCode}`);
  await bo.getByLabel('显示名称').fill('Bo');
  await bo.getByRole('button', { name: '加入', exact: true }).click();
  await expect(bo.getByTestId('workshop-banner')).toContainText('你好，Bo');
  await bo.getByTestId('workshop-start').click();

  await openLab(ada, 'en', 'ingress-gateway');
  await openLab(bo, 'zh-Hans', 'ingress-gateway');
  await expect(ada.getByTestId('workshop-banner')).toContainText(/time left 1:[0-2]\d/);
  await waitForTerminal(ada, 'en');
  await waitForTerminal(bo, 'zh-Hans');

  await signIn(instructor, '/en', 'Sign in', title);
  await expect(instructor.getByTestId('workshop-qr')).toBeVisible();
  const adaRow = instructor.locator('tr[data-attendee="Ada"]');
  const boRow = instructor.locator('tr[data-attendee="Bo"]');
  await expect(adaRow).toBeVisible();
  await expect(boRow).toBeVisible();
  const [first] = await stepIds(ada);
  await expect(adaRow.locator('td[data-state]').first()).toHaveAttribute('data-state', 'pending');

  // Ada passes the first step: the grid changes with no reload of the dashboard.
  await completeStep(ada, 'en', first!);
  await expect(adaRow.locator('td[data-state]').first()).toHaveAttribute('data-state', 'passed');
  await expect(boRow.locator('td[data-state]').first()).toHaveAttribute('data-state', 'pending');

  // The instructor opens Ada's terminal: scrollback, then what she types, live.
  await adaRow.getByRole('button', { name: 'Terminal', exact: true }).click();
  const view = instructor.getByTestId('attendee-terminal');
  await expect(view).toHaveAttribute('data-state', 'watching');
  // xterm paints only what is in view (as the instructor's screen would show it).
  await view.scrollIntoViewIfNeeded();
  await expect(screen(instructor, '[data-testid="attendee-terminal"]')).toContainText('kubectl');
  await ada.locator('[data-terminal="main"] .xterm').click();
  await ada.keyboard.type('echo typed-by-ada');
  await ada.keyboard.press('Enter');
  // Each browser is its own window; the one not in front may not paint (as on a desk).
  await instructor.bringToFront();
  await expect(screen(instructor, '[data-testid="attendee-terminal"]')).toContainText('echo typed-by-ada');

  // Take-over: Ada's banner says so; what the instructor types reaches her shell.
  await view.getByRole('button', { name: 'Take over', exact: true }).click();
  await expect(view).toHaveAttribute('data-takeover', 'true');
  await expect(ada.getByTestId('workshop-takeover')).toBeVisible();
  await instructor.locator('[data-testid="attendee-terminal"] .xterm').click();
  await instructor.keyboard.type('echo typed-by-instructor');
  await instructor.keyboard.press('Enter');
  await ada.bringToFront();
  await expect(screen(ada, '[data-terminal="main"]')).toContainText('echo typed-by-instructor');
  await instructor.bringToFront();
  await instructor.screenshot({ path: join(SHOTS, 'dashboard-en.png'), fullPage: true });
  await ada.screenshot({ path: join(SHOTS, 'attendee-takeover-en.png') });
  await view.getByRole('button', { name: 'Give back', exact: true }).click();
  await expect(ada.getByTestId('workshop-takeover')).toHaveCount(0);

  // A broadcast reaches both attendees.
  await instructor.getByLabel('Broadcast message').fill('Break in 5 minutes');
  await instructor.getByRole('button', { name: 'Broadcast', exact: true }).click();
  await expect(ada.getByTestId('workshop-messages')).toContainText('Break in 5 minutes');
  await expect(bo.getByTestId('workshop-messages')).toContainText('Break in 5 minutes');

  // Bo raises his hand: it shows on the grid.
  await bo.getByRole('button', { name: '举手求助' }).click();
  await expect(boRow.locator('td[data-hand="true"]')).toBeVisible();
  await expect(adaRow.locator('td[data-hand="true"]')).toHaveCount(0);
  await bo.screenshot({ path: join(SHOTS, 'attendee-zh.png') });

  // The dashboard in Chinese shows the same grid.
  const zh = await (await browser.newContext({ baseURL: server.url })).newPage();
  await signIn(zh, '', '登录', title);
  await expect(zh.locator('tr[data-attendee="Bo"] td[data-hand="true"]')).toBeVisible();
  await expect(zh.locator('tr[data-attendee="Ada"] td[data-state]').first()).toHaveAttribute('data-state', 'passed');
  await zh.screenshot({ path: join(SHOTS, 'dashboard-zh.png'), fullPage: true });
});
