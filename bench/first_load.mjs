// The dashboard's first load on a slow link: bytes on the wire per asset and
// the time until the page is interactive (hydrated), in Chromium with the
// DevTools protocol's network throttling and an empty cache.
//
//   node bench/first_load.mjs URL [--out FILE.json]
//
// Each link is loaded twice in the same run: as a browser loads it (it
// accepts brotli and gzip), and as a baseline that refuses compression
// (`Accept-Encoding: identity`), which is how every asset was served before
// the server compressed anything. The ratio of the two is printed.
//
// "Interactive" is the `logdeck-hydrated` performance mark the app sets once
// the wasm has taken over the page, measured from navigation start.
// The browser tests call `measure` too and save its result as an artefact.

import { createRequire } from 'node:module';
import * as fs from 'node:fs';

/** The links of the targets. Throughput in bytes per second. */
export const LINKS = [
  { name: '10 Mbit/s, 40 ms RTT', latency: 40, down: 10e6 / 8, up: 5e6 / 8 },
  { name: '1.6 Mbit/s, 150 ms RTT', latency: 150, down: 1.6e6 / 8, up: 0.75e6 / 8 },
];

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run',
];

/**
 * Loads `url` once in a fresh context (empty cache) over `link`; returns the
 * bytes on the wire per kind of asset and the time to interactive in ms.
 * `identity` refuses compressed answers (the baseline).
 */
export async function measure(browser, url, link, { identity = false } = {}) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  if (identity) {
    await cdp.send('Network.setExtraHTTPHeaders', { headers: { 'Accept-Encoding': 'identity' } });
  }
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: link.latency,
    downloadThroughput: link.down,
    uploadThroughput: link.up,
  });
  const requests = new Map();
  cdp.on('Network.responseReceived', (e) => {
    const enc = e.response.headers['content-encoding'] ?? e.response.headers['Content-Encoding'] ?? '';
    requests.set(e.requestId, { url: e.response.url, encoding: enc, type: e.type });
  });
  cdp.on('Network.loadingFinished', (e) => {
    const r = requests.get(e.requestId);
    if (r) r.wire = e.encodedDataLength;
  });
  await page.goto(url, { waitUntil: 'commit', timeout: 120_000 });
  await page.waitForSelector('body[data-hydrated="true"]', { state: 'attached', timeout: 120_000 });
  const interactive = await page.evaluate(
    () => performance.getEntriesByName('logdeck-hydrated')[0]?.startTime ?? null,
  );
  // Let late answers (data the page fetches) finish counting.
  await page.waitForTimeout(300);
  const wire = { document: 0, wasm: 0, js: 0, css: 0, data: 0 };
  const encodings = {};
  for (const r of requests.values()) {
    const path = new URL(r.url).pathname;
    const kind = path.endsWith('.wasm') ? 'wasm'
      : path.endsWith('.js') ? 'js'
      : path.endsWith('.css') ? 'css'
      : r.type === 'Document' ? 'document' : 'data';
    wire[kind] += r.wire ?? 0;
    if (kind !== 'data') encodings[kind] = r.encoding || 'none';
  }
  await context.close();
  return { link: link.name, identity, interactive_ms: interactive && Math.round(interactive), wire, encodings };
}

/** Both links, compressed and baseline; prints a table and the ratios. */
export async function measureAll(browser, url, log = console.log) {
  const results = [];
  for (const link of LINKS) {
    const base = await measure(browser, url, link, { identity: true });
    const now = await measure(browser, url, link);
    results.push(base, now);
    const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
    log(`${link.name}:`);
    for (const r of [base, now]) {
      log(`  ${r.identity ? 'baseline (identity)' : 'as served          '}  interactive ${r.interactive_ms} ms`
        + `  wasm ${kb(r.wire.wasm)} (${r.encodings.wasm})  js ${kb(r.wire.js)}  css ${kb(r.wire.css)}`
        + `  html ${kb(r.wire.document)}  data ${kb(r.wire.data)}`);
    }
    log(`  ratio: interactive ${(now.interactive_ms / base.interactive_ms).toFixed(2)}`
      + `, wasm bytes ${(now.wire.wasm / base.wire.wasm).toFixed(2)}`);
  }
  return results;
}

async function main() {
  const args = process.argv.slice(2);
  const url = args.find((a) => !a.startsWith('--'));
  const outAt = args.indexOf('--out');
  if (!url || args.includes('--help')) {
    console.error('usage: node bench/first_load.mjs URL [--out FILE.json]');
    process.exit(url ? 0 : 2);
  }
  const here = new URL('.', import.meta.url).pathname;
  const require = createRequire(`${here}../end2end/package.json`);
  const { chromium } = require('playwright-core');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
  try {
    const results = await measureAll(browser, url);
    if (outAt >= 0) fs.writeFileSync(args[outAt + 1], JSON.stringify(results, null, 2));
  } finally {
    await browser.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => { console.error(e); process.exit(1); });
}
