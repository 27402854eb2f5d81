// The population: builds compared (worse first, why, a picked baseline),
// outlier sessions (the chip, the badge, the reason) and a user's history,
// on the two builds of known truth that scripts/e2e_fixtures.py writes:
// E2E-SLOW has three times the latency of E2E-BASE, two of whose sessions
// are outliers.
import { test, expect, Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';

const shots = process.env.LOGDECK_E2E_SHOTS ?? 'screenshots';
fs.mkdirSync(shots, { recursive: true });

type Build = { version: string; verdict: string; measured: number; outliers: number };
type Report = { builds: Build[]; updating: number };

const hydrated = (page: Page) =>
  expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1, { timeout: 20_000 });
const tableRows = (page: Page) => page.locator('table.runs tbody tr[data-connection]');
const HISTORY_USER = 'e2e.history@example.org';
const PLANTED_OUTLIERS = ['980008', '980024'];

/** Records the page's uncaught errors (a panic in the app is one). */
function errorsOf(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

/** The report once every build's figures are up to date. */
async function settled(page: Page, q = ''): Promise<Report> {
  let report: Report = { builds: [], updating: 1 };
  await expect(async () => {
    const res = await page.request.get(`/api/builds${q}`);
    expect(res.status()).toBe(200);
    report = (await res.json()) as Report;
    expect(report.updating).toBe(0);
    expect(report.builds.find((b) => b.version === 'E2E-SLOW')?.measured).toBe(40);
  }).toPass({ timeout: 60_000 });
  return report;
}

test.describe('builds', () => {
  test('the builds view puts worse builds first, says why, and keeps its baseline in the URL', async ({ page }) => {
    const errors = errorsOf(page);
    const report = await settled(page);
    const slow = report.builds.find((b) => b.version === 'E2E-SLOW')!;
    expect(slow.verdict).toBe('worse');
    const base = report.builds.find((b) => b.version === 'E2E-BASE')!;
    expect(base.outliers).toBe(2);

    await page.goto('/');
    await hydrated(page);
    await page.getByTestId('nav-builds').click();
    await expect(page).toHaveURL(/page=builds/);
    const cards = page.getByTestId('build');
    await expect(cards).toHaveCount(report.builds.length);
    // The page's order is the report's, and every worse build comes first.
    const shown = await cards.evaluateAll((els) =>
      els.map((e) => [e.getAttribute('data-version'), e.getAttribute('data-verdict')]),
    );
    expect(shown.map((s) => s[0])).toEqual(report.builds.map((b) => b.version));
    const firstOther = shown.findIndex((s) => s[1] !== 'worse');
    expect(shown.slice(firstOther === -1 ? shown.length : firstOther).every((s) => s[1] !== 'worse')).toBe(true);

    const slowCard = page.locator('[data-testid="build"][data-version="E2E-SLOW"]');
    await expect(slowCard.getByTestId('verdict')).toHaveText('worse');
    await expect(slowCard.getByTestId('why')).toContainText('p95 latency +');
    await expect(slowCard.locator('.multiple.worse[data-measure="latency_p95"]')).toBeVisible();
    await expect(slowCard.locator('.multiple[data-measure="latency_p95"] svg rect').first()).toBeVisible();
    await expect(slowCard).toContainText('vs E2E-BASE');
    await page.screenshot({ path: path.join(shots, 'builds-desktop.png') });

    // A picked baseline: in the URL, kept by a reload, and the verdicts
    // follow it.
    await page.getByTestId('baseline').selectOption('E2E-BASE');
    await expect(page).toHaveURL(/baseline=E2E-BASE/);
    const baseCard = page.locator('[data-testid="build"][data-version="E2E-BASE"]');
    await expect(baseCard.getByTestId('verdict')).toHaveText('baseline');
    await page.reload();
    await hydrated(page);
    await expect(page.getByTestId('baseline')).toHaveValue('E2E-BASE');
    await expect(baseCard.getByTestId('verdict')).toHaveText('baseline');
    await expect(slowCard.getByTestId('verdict')).toHaveText('worse');

    // A build's sessions are a link to its runs.
    await slowCard.getByTestId('build-runs').click();
    await expect(page).toHaveURL(/version=E2E-SLOW/);
    await expect(page).not.toHaveURL(/page=builds/);
    await expect(page.getByTestId('matches')).toHaveText('40 runs');
    // Pages come and go without an error, and a resize after reaches
    // nothing that went.
    await page.setViewportSize({ width: 1000, height: 700 });
    await page.waitForTimeout(300);
    expect(errors).toEqual([]);
  });

  test('every measure shows its change; a comparison that cannot be made says why, in words', async ({ page }) => {
    await settled(page);
    await page.goto('/?page=builds');
    await hydrated(page);
    await expect(page.getByTestId('rules')).toContainText('higher than its baseline\'s in at least 60 % of session pairs');
    await expect(page.getByTestId('rules')).toHaveAttribute('title', /Holm-adjusted p ≤ 0\.01/);
    // Three times as slow as a baseline of 9 sessions: not compared, and
    // says why, with the change of the medians still shown.
    const triple = page.locator('[data-testid="build"][data-version="E2E-TRIPLE"]');
    await expect(triple.getByTestId('verdict')).toHaveText('too few sessions');
    await expect(triple.getByTestId('too-few')).toContainText('its baseline E2E-FEW has 9 measured sessions, 20 needed');
    const p95 = triple.locator('.multiple[data-measure="latency_p95"]');
    await expect(p95.getByTestId('change')).toHaveText(/^\+\d[\d.]* ms$/);
    await expect(p95.getByTestId('measure-status')).toHaveText('not compared');
    await expect(p95.getByTestId('baseline-overlay')).toHaveCount(1);
    // A compared build says how often it is higher, in words.
    const slow = page.locator('[data-testid="build"][data-version="E2E-SLOW"]');
    await expect(slow.getByTestId('why')).toContainText(/p95 latency \+[\d.]+ ms: higher than the baseline's in \d+ % of session pairs/);
    await expect(slow.locator('.multiple[data-measure="latency_p95"]').getByTestId('measure-status')).toHaveText('worse');
    await triple.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(shots, 'builds-too-few.png') });
  });

  test('the builds view in the dark and on a phone', async ({ browser }) => {
    for (const [name, options] of [
      ['builds-dark', { viewport: { width: 1440, height: 900 }, colorScheme: 'dark' as const }],
      ['builds-phone', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }],
      ['builds-phone-dark', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, colorScheme: 'dark' as const }],
    ] as const) {
      const ctx = await browser.newContext({ ...options, baseURL: process.env.LOGDECK_E2E_URL });
      const page = await ctx.newPage();
      await settled(page);
      await page.goto('/?page=builds');
      await hydrated(page);
      const slow = page.locator('[data-testid="build"][data-version="E2E-SLOW"]');
      await expect(slow.getByTestId('verdict')).toHaveText('worse');
      // Nothing wider than the screen.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await page.screenshot({ path: path.join(shots, `${name}.png`) });
      await ctx.close();
    }
  });
});

test.describe('outliers', () => {
  test('the outlier chip keeps the planted sessions, each with a badge and a reason', async ({ page }) => {
    await settled(page);
    await page.goto('/?page=builds');
    await hydrated(page);
    const baseCard = page.locator('[data-testid="build"][data-version="E2E-BASE"]');
    await expect(baseCard.getByTestId('build-outliers')).toHaveText('2 outliers');
    await baseCard.getByTestId('build-outliers').click();
    await expect(page).toHaveURL(/outliers=1/);
    await expect(page.getByTestId('chip-outliers')).toHaveAttribute('aria-pressed', 'true');
    await expect(tableRows(page)).toHaveCount(2);
    const ids = await tableRows(page).evaluateAll((rs) => rs.map((r) => r.getAttribute('data-connection')));
    expect(ids.sort()).toEqual(PLANTED_OUTLIERS);
    await expect(tableRows(page).getByTestId('outlier-badge')).toHaveCount(2);

    await tableRows(page).first().locator(".row-link").click();
    await expect(page.getByTestId('outlier-reason')).toContainText(
      /p95 latency \d[\d.]* (ms|s), \d[\d.]*× this build's typical [\d.]+ ms \(build E2E-BASE\)/,
    );
    await page.screenshot({ path: path.join(shots, 'outlier-reason.png') });

    // The chip alone, from the whole table: only outliers, each badged;
    // off again, the full list.
    await page.goto('/');
    await hydrated(page);
    await page.getByTestId('chip-outliers').click();
    await expect(page).toHaveURL(/outliers=1/);
    await expect(tableRows(page).first()).toBeVisible();
    const n = await tableRows(page).count();
    await expect(tableRows(page).getByTestId('outlier-badge')).toHaveCount(n);
    const api = await (await page.request.get('/api/runs?outliers=true&limit=500')).json();
    expect(api.rows.every((r: { outlier?: string }) => !!r.outlier)).toBe(true);
    expect(api.rows.map((r: { id: number }) => String(r.id))).toEqual(expect.arrayContaining(PLANTED_OUTLIERS));
    // A session that is not an outlier has no reason.
    await page.goto('/?run=980001');
    await hydrated(page);
    await expect(page.getByTestId('detail')).toContainText('E2E-BASE');
    await expect(page.getByTestId('outlier-reason')).toHaveCount(0);
  });
});

test.describe('history', () => {
  test("a user's history is reachable from a run of theirs and links back to each run", async ({ page }) => {
    const errors = errorsOf(page);
    await settled(page);
    await page.goto('/?run=980001');
    await hydrated(page);
    await page.getByTestId('user-history').click();
    await expect(page).toHaveURL(/history=e2e\.history(@|%40)example\.org/);
    const summary = page.getByTestId('history-summary');
    await expect(summary).toContainText('20 sessions');
    await expect(summary).toContainText('E2E-BASE → E2E-SLOW');
    const latency = page.locator('.trend[data-measure="latency_p95"]');
    // A day between their two builds' sessions: the line breaks there.
    await expect(latency.locator('polyline')).toHaveCount(2);
    await expect(latency).toHaveAttribute('data-gaps', '1');
    await expect(latency.locator('rect.band')).toHaveCount(2);
    await expect(page.getByTestId('history-run')).toHaveCount(20);
    await page.screenshot({ path: path.join(shots, 'history-desktop.png') });

    // The API agrees: oldest first, latency three times higher after the
    // build changed.
    const h = await (await page.request.get(`/api/users/${encodeURIComponent(HISTORY_USER)}/history`)).json();
    expect(h.points.length).toBe(20);
    const lat = (p: { values: (number | null)[] }) => p.values[1]!;
    expect(lat(h.points[19])).toBeGreaterThan(2 * lat(h.points[0]));
    expect((await page.request.get('/api/users/nobody%40nowhere/history')).status()).toBe(404);

    // Reload keeps the view; a session opens its run.
    await page.reload();
    await hydrated(page);
    await expect(page.getByTestId('history-run').first()).toBeVisible();
    const first = await page.getByTestId('history-run').first().textContent();
    await page.getByTestId('history-run').first().click();
    await expect(page).toHaveURL(new RegExp(`run=${first}`));
    await expect(page).not.toHaveURL(/history=/);
    await expect(page.getByTestId('detail')).toBeVisible();
    // Back to the history, and back again to the run.
    await page.goBack();
    await expect(page.getByTestId('history-run')).toHaveCount(20);
    await page.goForward();
    await expect(page.getByTestId('detail')).toBeVisible();
    expect(errors).toEqual([]);
  });

  test("a user's history from the table: on a time axis, with build bands, gaps left open and every measure", async ({ page }) => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(`/?user=${encodeURIComponent(HISTORY_USER)}`);
    await hydrated(page);
    await tableRows(page).first().getByTestId('to-history').click();
    await expect(page).toHaveURL(/history=e2e\.history(@|%40)example\.org/);
    const trend = page.locator('.trend[data-measure="latency_p95"]');
    await expect(trend).toBeVisible();
    expect((await trend.locator('svg').boundingBox())!.height).toBeGreaterThanOrEqual(140);
    // Two builds, two bands, labelled; a time axis from the first session to the last.
    await expect(trend.locator('rect.band')).toHaveCount(2);
    await expect(trend.locator('.band-label')).toHaveText(['E2E-BASE', 'E2E-SLOW']);
    // Each label whole, inside the chart, however narrow its band.
    const cut = await trend.locator('.band-label').evaluateAll((els) => {
      const box = els[0].parentElement!.getBoundingClientRect();
      return els.filter((e) => {
        const r = e.getBoundingClientRect();
        return e.scrollWidth > e.clientWidth + 1 || r.left < box.left - 1 || r.right > box.right + 1;
      }).map((e) => e.textContent);
    });
    expect(cut).toEqual([]);
    await expect(trend.getByTestId('time-axis')).toContainText('02-01');
    // Every session is a dot; the table has every measure.
    await expect(trend.locator('path.dot')).toHaveCount(20);
    for (const h of ['p95 latency', 'p95 decode time', 'p95 encode time', 'p95 encode size', 'error %']) {
      await expect(page.locator('.history-runs thead')).toContainText(h);
    }
    await page.screenshot({ path: path.join(shots, 'history-trends.png') });
  });

  test("a user's history on a phone", async ({ browser }) => {
    const ctx = await browser.newContext({
      viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, baseURL: process.env.LOGDECK_E2E_URL,
    });
    const page = await ctx.newPage();
    await settled(page);
    await page.goto(`/?history=${encodeURIComponent(HISTORY_USER)}`);
    await hydrated(page);
    await expect(page.getByTestId('history-run')).toHaveCount(20);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(shots, 'history-phone.png') });
    await ctx.close();
  });
});
