import { defineConfig } from '@playwright/test';

// The server under test is started by ../test.sh (the freshly built server
// and release bundle, on a free port with its own data directory) and passed
// in LOGDECK_E2E_URL.
const baseURL = process.env.LOGDECK_E2E_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
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
