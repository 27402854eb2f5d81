import { defineConfig } from '@playwright/test';

// The servers under test are started by ../test.sh (the freshly built
// server and release bundle, each on a free port with its own copy of the
// same data) and passed in LOGDECK_E2E_URLS and LOGDECK_E2E_DATAS (space
// separated; or one in LOGDECK_E2E_URL and LOGDECK_E2E_DATA). Each worker
// has a server of its own: spec files run side by side, and the runs,
// bookmarks and jobs one file makes are never seen by a file running beside
// it. This file is loaded again in every worker, so the worker's own server
// is set here, in LOGDECK_E2E_URL and LOGDECK_E2E_DATA, for the specs.
const split = (v: string | undefined) => (v ?? '').split(/\s+/).filter(Boolean);
const urls = split(process.env.LOGDECK_E2E_URLS ?? process.env.LOGDECK_E2E_URL);
if (urls.length === 0) urls.push('http://127.0.0.1:3000');
const datas = split(process.env.LOGDECK_E2E_DATAS ?? process.env.LOGDECK_E2E_DATA);
const slot = Number(process.env.TEST_PARALLEL_INDEX ?? 0) % urls.length;
const baseURL = urls[slot];
process.env.LOGDECK_E2E_URL = baseURL;
if (datas.length === urls.length) process.env.LOGDECK_E2E_DATA = datas[slot];

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: urls.length,
  retries: 0,
  // The JSON report is read by ../scripts/slowest.py for the slowest tests.
  reporter: [['list'], ['json', { outputFile: 'test-results/report.json' }]],
  outputDir: './test-results',
  use: {
    baseURL,
    screenshot: 'on',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
});
