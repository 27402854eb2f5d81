// The first load (compression, caching, time to interactive) and
// accessibility (axe in both schemes at both sizes, the keyboard, what
// charts and new lines say to a screen reader).
import { test, expect, Page, Browser } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import { shots, hydrated, longClientLog } from './common';

test.describe('first load', () => {
  test('the bundle is precompressed, hash-named and cached for good; pages and JSON are compressed', async ({ page }) => {
    const html = await (await page.request.get('/')).text();
    const name = html.match(/\/pkg\/(logdeck\.[0-9a-f]{16})\.js/)?.[1];
    expect(name, 'the page links the hash-named bundle').toBeTruthy();
    expect(html).toContain(`/pkg/${name}.css`);
    for (const ext of ['wasm', 'js', 'css']) {
      const plain = await page.request.get(`/pkg/${name}.${ext}`, { headers: { 'accept-encoding': 'identity' } });
      expect(plain.status()).toBe(200);
      expect(plain.headers()['cache-control']).toContain('immutable');
      const raw = (await plain.body()).length;
      for (const enc of ['br', 'gzip']) {
        const res = await fetchEncoded(page, `/pkg/${name}.${ext}`, enc);
        expect(res.encoding, `${ext} ${enc}`).toBe(enc);
        expect(res.cacheControl).toContain('immutable');
        expect(res.wire).toBeLessThan(raw);
      }
    }
    for (const p of ['/', '/api/runs?limit=200']) {
      const res = await fetchEncoded(page, p, 'br');
      expect(res.encoding, p).toBe('br');
    }
  });

  // The page as a browser loads it on both links: compressed, interactive.
  // The uncompressed baselines and the ratios are bench/first_load.mjs's.
  test('wire sizes and time to interactive on two links (recorded)', async ({ browser, baseURL }) => {
    test.setTimeout(120_000);
    const bench = await import(path.resolve(__dirname, '../../bench/first_load.mjs'));
    const results = [];
    for (const link of bench.LINKS) results.push(await bench.measure(browser as Browser, `${baseURL}/`, link));
    const lines = results.map((r) => `${r.link}: interactive ${r.interactive_ms} ms, wire ${JSON.stringify(r.wire)}`);
    console.log(lines.join('\n'));
    fs.writeFileSync(`${shots}/first-load.json`, JSON.stringify(results, null, 2));
    fs.writeFileSync(`${shots}/first-load.txt`, lines.join('\n') + '\n');
    for (const r of results) {
      expect(r.interactive_ms, r.link).not.toBeNull();
      expect(r.encodings.wasm, r.link).toBe('br');
    }
  });
});

test.describe('accessibility', () => {
  for (const scheme of ['light', 'dark'] as const) {
    for (const vp of [{ width: 1440, height: 900 }, { width: 390, height: 844 }]) {
      test(`no serious axe violations, ${scheme}, ${vp.width}px`, async ({ browser, baseURL }) => {
        // The page's script policy would refuse the injected checker.
        const context = await browser.newContext({ baseURL, viewport: vp, colorScheme: scheme, bypassCSP: true });
        const page = await context.newPage();
        const { run } = await longClientLog(page);
        const pages = ['/', `/?run=${run.id}&log=client&line=3`, '/?page=builds', '/?history=e2e.history%40example.org', '/?page=admin'];
        for (const url of pages) {
          await page.goto(url);
          await hydrated(page);
          await page.waitForTimeout(500);
          const found = await axe(page);
          const serious = found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
          fs.writeFileSync(`${shots}/axe-${scheme}-${vp.width}-${pages.indexOf(url)}.json`, JSON.stringify(found, null, 2));
          expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.length}) e.g. ${v.nodes[0]?.target}`), url).toEqual([]);
        }
        await context.close();
      });
    }
  }

  test('rows are reached with Tab; charts say what they show; new lines are announced', async ({ page }) => {
    const { run } = await longClientLog(page);
    await page.goto('/');
    await hydrated(page);
    await page.locator('a.row-link').first().focus();
    // Tab passes the row's log links, then reaches the next row.
    const second = await page.locator('a.row-link').nth(1).getAttribute('href');
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(() => document.activeElement?.classList.contains('row-link'))) break;
    }
    await expect(page.locator('a.row-link').nth(1)).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(new RegExp(`${second!.replace('/?', '\\?')}$`));
    await page.goto(`/?run=${run.id}`);
    await hydrated(page);
    const canvases = page.getByTestId('detail').locator('canvas');
    await expect(canvases.first()).toHaveAttribute('data-points', /.+/);
    for (let i = 0; i < (await canvases.count()); i++) {
      await expect(canvases.nth(i)).toHaveAttribute('role', 'img');
      await expect(canvases.nth(i)).toHaveAttribute('aria-label', /median .* p95 /);
    }
  });
});

type AxeViolation = { id: string; impact: string | null; help: string; nodes: { target: string[] }[] };

async function axe(page: Page): Promise<AxeViolation[]> {
  const source = require.resolve('axe-core/axe.min.js');
  await page.addScriptTag({ path: source });
  return page.evaluate(async () => {
    const w = window as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: AxeViolation[] }> } };
    const r = await w.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
}

/** Fetches `p` asking for `enc` only; what came back and its size on the wire. */
async function fetchEncoded(page: Page, p: string, enc: string) {
  const res = await page.request.get(p, { headers: { 'accept-encoding': enc } });
  const h = res.headers();
  return {
    encoding: h['content-encoding'] ?? 'none',
    cacheControl: h['cache-control'] ?? '',
    // Playwright decodes the body; the wire size is the header's.
    wire: Number(h['content-length'] ?? (await res.body()).length),
  };
}
