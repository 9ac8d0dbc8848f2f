// Progress lives on the server: after the server restarts (same data directory, same browser
// session), the steps the learner passed are still passed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { completeStep, LABELS, labBar, openLab, step, stepIds, waitForTerminal } from './lab-helpers.ts';
import { linkBundledTools } from './playwright.config.ts';
import { freePort, startServe, type ServeProcess } from '../../server/cli/serve-process.ts';

let server: ServeProcess | undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'meshlab-e2e-restart-'));
linkBundledTools(dataDir);

test.afterAll(async () => {
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('progress survives a server restart', async ({ browser }) => {
  test.setTimeout(300_000);
  const port = await freePort();
  server = await startServe({ port, dataDir });
  const context = await browser.newContext({ baseURL: server.url });
  const page = await context.newPage();
  await openLab(page, 'en', 'ingress-gateway');
  await waitForTerminal(page, 'en');
  const ids = await stepIds(page);
  for (const id of ids.slice(0, 2)) await completeStep(page, 'en', id);

  await server.stop();
  server = await startServe({ port, dataDir });

  await page.reload();
  await openLab(page, 'en', 'ingress-gateway');
  for (const id of ids.slice(0, 2)) await expect(step(page, id)).toHaveAttribute('data-status', 'passed');
  await expect(step(page, ids[2]!)).toHaveAttribute('data-status', 'pending');
  await expect(page.locator('[data-lab-progress]')).toHaveAttribute('data-lab-progress', `2/${ids.length}`);

  // The learner can clear it (after saying yes), and that is kept too.
  await labBar(page).getByRole('button', { name: LABELS.en.clear, exact: true }).click();
  await page.getByRole('dialog', { name: LABELS.en.clearTitle }).getByRole('button', { name: LABELS.en.clearYes, exact: true }).click();
  await expect(page.locator('[data-lab-progress]')).toHaveAttribute('data-lab-progress', `0/${ids.length}`);
  await page.reload();
  await openLab(page, 'en', 'ingress-gateway');
  await expect(page.locator('[data-step][data-status="passed"]')).toHaveCount(0);
  await context.close();
});
