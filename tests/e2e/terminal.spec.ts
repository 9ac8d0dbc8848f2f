// The browser terminal on a real lab page: typing reaches the learner's sandboxed shell on the
// embedded cluster, a reload reattaches to the same shell, and a 100 MB flood neither freezes
// the page nor ignores Ctrl-C.
import { expect, test, type Locator, type Page } from '@playwright/test';

const LAB = 'ingress-gateway';

function screen(page: Page): Locator {
  return page.locator('[data-terminal="main"] .xterm-rows');
}

async function openConnected(page: Page): Promise<void> {
  await page.goto(`/en/docs/${LAB}`);
  const region = page.getByRole('region', { name: 'Terminal', exact: true });
  await expect(region).toBeVisible();
  await expect(page.locator('[data-terminal="main"]')).toHaveAttribute('data-state', 'connected', { timeout: 90_000 });
  await expect(screen(page)).toContainText('learner@meshlab', { timeout: 30_000 });
}

async function typeLine(page: Page, text: string): Promise<void> {
  await page.locator('[data-terminal="main"] .xterm').click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

test.describe('terminal', () => {
  test('kubectl in the terminal sees the cluster', async ({ page }) => {
    await openConnected(page);
    await expect(screen(page)).toContainText(`[${LAB}]`);
    await typeLine(page, 'kubectl get ns');
    await expect(screen(page)).toContainText('istio-system', { timeout: 30_000 });
    await page.screenshot({ path: 'test-results/terminal-kubectl-get-ns.png' });
  });

  test('a reload reattaches to the same shell', async ({ page }) => {
    await openConnected(page);
    await typeLine(page, 'export E2E_KEPT=kept-after-reload; clear');
    await page.waitForTimeout(500);
    await page.reload();
    await expect(page.locator('[data-terminal="main"]')).toHaveAttribute('data-state', 'connected', { timeout: 60_000 });
    await typeLine(page, 'echo "value=$E2E_KEPT"');
    await expect(screen(page)).toContainText('value=kept-after-reload', { timeout: 20_000 });
    await page.screenshot({ path: 'test-results/terminal-after-reload.png' });
  });

  test('an exited shell says why, and the button starts a new one', async ({ page }) => {
    await openConnected(page);
    const box = page.locator('[data-terminal="main"]');
    await typeLine(page, 'exit 3');
    await expect(box).toHaveAttribute('data-state', 'ended');
    await expect(box.getByRole('alert')).toHaveText('The shell exited (exit code 3).');
    await page.screenshot({ path: 'test-results/terminal-ended.png' });
    await box.getByRole('button', { name: 'New shell' }).click();
    await expect(box).toHaveAttribute('data-state', 'connected', { timeout: 30_000 });
    await typeLine(page, 'echo "fresh-$((1+1))"');
    await expect(screen(page)).toContainText('fresh-2');
  });

  test('a 100 MB flood ends, the page stays responsive, Ctrl-C works', async ({ page }) => {
    test.setTimeout(300_000);
    await openConnected(page);
    await typeLine(page, 'clear; head -c 100000000 /dev/zero | tr "\\0" "y"; echo; echo FLOOD""-END');
    // While the flood runs the page keeps answering.
    for (let i = 0; i < 5; i++) {
      await page.waitForTimeout(1000);
      const started = Date.now();
      await page.evaluate(() => document.title);
      expect(Date.now() - started).toBeLessThan(2_000);
    }
    await page.screenshot({ path: 'test-results/terminal-flood-running.png' });
    await expect(screen(page)).toContainText('FLOOD-END', { timeout: 240_000 });

    await typeLine(page, 'clear; yes');
    await page.waitForTimeout(2_000);
    await page.keyboard.press('Control+C');
    await typeLine(page, 'clear; echo "interrupted-$((40+2))"');
    await expect(screen(page)).toContainText('interrupted-42', { timeout: 30_000 });
    await page.screenshot({ path: 'test-results/terminal-after-ctrl-c.png' });
  });
});
