// What the spec files that read the shared server's data have in common.
import { expect, Page } from '@playwright/test';
import * as fs from 'fs';

export const shots = process.env.LOGDECK_E2E_SHOTS ?? 'screenshots';
fs.mkdirSync(shots, { recursive: true });

export type Run = {
  id: number; username: string | null; client_log: string | null; server_log: string | null;
  client_state: string; server_state: string; errors: number | null; lines: number | null;
  latency_p50: number | null; latency_p95: number | null; updated_at: number;
};

export async function api<T>(page: Page, p: string): Promise<T> {
  const res = await page.request.get(p);
  expect(res.status(), p).toBe(200);
  return (await res.json()) as T;
}
export const runs = async (page: Page, q: string) => (await api<{ rows: Run[] }>(page, `/api/runs?${q}`)).rows;
export const hydrated = (page: Page) =>
  expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1, { timeout: 20_000 });
export const tableRows = (page: Page) => page.locator('table.runs tbody tr[data-connection]');

/** A run whose client log is indexed, with the most lines among the first 500. */
export async function longClientLog(page: Page): Promise<{ run: Run; lines: number }> {
  const all = (await runs(page, 'limit=500')).filter((r) => r.client_state === 'indexed');
  let best = { run: all[0], lines: 0 };
  for (const r of all.slice(0, 40)) {
    const d = await api<{ logs: { name: string; summary: { lines: number } | null }[] }>(page, `/api/runs/${r.id}`);
    const lines = d.logs.find((l) => l.name === 'client')?.summary?.lines ?? 0;
    if (lines > best.lines) best = { run: r, lines };
  }
  return best;
}
