/**
 * The dashboard in a real browser (Debian's Chromium) against a real agent on the simulated
 * market: sign in, every page's main action, a reconnect across an agent restart, sign-out.
 * Every page is saved as a screenshot, light and dark, in test-artifacts/screenshots/.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startTestAgent, TEST_TOKEN, type TestAgent } from '../../helpers/test-agent';
import { type Browser, launchChromium, SCREENSHOT_DIR, screenshotPath, showPage, watchedPage } from '../../helpers/chromium';

const ADDED = 'NSE:SIM0007';
let agent: TestAgent;
let browser: Browser;
let page: Page;
let dataDir: string;
let port: number;
const pageErrors: string[] = [];

async function startAgent(): Promise<TestAgent> {
  return startTestAgent({ dataDir, port, firstRunWatchlist: true, simInstruments: 20, simTicksPerSecond: 2, workers: 3 });
}

before(async () => {
  rmSync(SCREENSHOT_DIR, { recursive: true, force: true });
  dataDir = mkdtempSync(join(tmpdir(), 'algodeck-browser-'));
  port = 0;
  agent = await startAgent();
  port = agent.agent.port;
  browser = await launchChromium();
  page = await watchedPage(browser, pageErrors);
});

after(async () => {
  await browser?.close();
  await agent?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The text of a live cell of a watchlist row. */
function cell(instrument: string, field: string) {
  return page.locator(`[data-testid="watchlist"] [data-instrument="${instrument}"] [data-field="${field}"]`);
}

/** An option of the open instrument dropdown. */
function option(id: string) {
  return page.locator(`.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option[title="${id}"]`);
}

function show(path: string, testId: string) {
  return showPage(page, path, testId);
}

async function shoot(name: string) {
  // Let the last frame of prices and any flash settle, and earlier actions' toasts go, so the
  // picture is of a steady page.
  await page.waitForFunction(() => document.querySelector('.ant-message-notice') === null, undefined, { timeout: 8_000 }).catch(() => undefined);
  await page.waitForTimeout(700);
  await page.screenshot({ path: screenshotPath(name) });
}

test('a wrong token is refused with the agent\'s message; the right one signs in', async () => {
  await page.goto(agent.agent.url);
  await page.getByTestId('sign-in').waitFor();
  await page.getByTestId('secret').fill('wrong-token-0123456789');
  await page.getByTestId('sign-in-button').click();
  await page.getByText("That is not the agent's token.").waitFor();
  await shoot('sign-in-refused-light');
  assert.equal(await page.getByTestId('status-bar').count(), 0, 'nothing of the dashboard is shown');
  await page.getByTestId('secret').fill(TEST_TOKEN);
  await page.getByTestId('sign-in-button').click();
  await page.getByTestId('status-bar').waitFor();
  await page.locator('[data-testid="stream-state"][data-state="open"]').waitFor();
  // The token was never put where a page can keep it.
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie + location.href);
  assert.ok(!stored.includes(TEST_TOKEN), 'the token is not in storage, a readable cookie or the URL');
});

test('the first run\'s NIFTY 50 watchlist ticks in market watch, with a chart that switches intervals', async () => {
  await show('/market?i=NSE%3AINFY', 'page-market');
  await page.waitForFunction(() => {
    const text = document.querySelector('[data-testid="watchlist"] [data-instrument="NSE:INFY"] [data-field="lastPrice"]')?.textContent ?? '—';
    return text !== '—';
  });
  const first = await cell('NSE:INFY', 'lastPrice').textContent();
  assert.match(first ?? '', /^[\d,]+\.\d{2}$/, 'a price with the tick size\'s decimals and Indian grouping');
  const chart = page.getByTestId('candle-chart');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="candle-chart"]')?.getAttribute('data-bars')) > 0);
  await page.waitForFunction(() => document.querySelector('[data-testid="candle-chart"]')?.getAttribute('data-series') === 'NSE:INFY:5minute');
  const fiveMinuteFirst = Date.parse((await chart.getAttribute('data-first'))!);
  await page.getByTestId('interval').getByText('1D', { exact: true }).click();
  await page.waitForFunction(() => {
    const element = document.querySelector('[data-testid="candle-chart"]');
    return element?.getAttribute('data-series') === 'NSE:INFY:day' && Number(element.getAttribute('data-bars')) > 0;
  });
  const dayFirst = Date.parse((await chart.getAttribute('data-first'))!);
  // 200 five-minute bars reach back under a day; 200 day bars reach back months.
  assert.ok(fiveMinuteFirst - dayFirst > 30 * 86_400_000, `day bars start ${new Date(dayFirst).toISOString()}, well before the 5-minute bars' ${new Date(fiveMinuteFirst).toISOString()}`);
  await page.getByTestId('interval').getByText('5m', { exact: true }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid="candle-chart"]')?.getAttribute('data-series') === 'NSE:INFY:5minute');
  assert.ok((await page.locator('[data-testid="candle-chart"] canvas').count()) > 0, 'the chart draws on canvas');
  assert.equal((await page.getByTestId('depth').textContent())?.includes('Bid'), true, 'market depth is shown for a full-mode instrument');
});

test('an instrument added on the ticker page ticks in market watch', async () => {
  await show('/ticker', 'ticker-page');
  const picker = page.getByTestId('instrument-picker');
  await picker.click();
  await page.keyboard.type('SIM0007');
  await option(ADDED).click();
  await page.keyboard.press('Escape');
  await page.getByTestId('add-instruments').click();
  await page.locator(`[data-testid="subscriptions-table"] tr[data-row-key="${ADDED}"]`).waitFor();
  const state = await agent.api.call('getTicker');
  assert.ok(state.subscriptions.some((subscription) => subscription.instrument === ADDED && subscription.mode === 'full'), 'the agent carries it in full mode');
  // Into the watchlist through the search at the top of the column.
  const search = page.getByTestId('instrument-search');
  await search.click();
  await page.keyboard.type('SIM0007');
  await option(ADDED).click();
  await page.waitForFunction((id) => {
    const text = document.querySelector(`[data-testid="watchlist"] [data-instrument="${id}"] [data-field="lastPrice"]`)?.textContent ?? '—';
    return text !== '—';
  }, ADDED);
  const seen = await cell(ADDED, 'lastPrice').textContent();
  await page.waitForFunction(
    ({ id, before }) => document.querySelector(`[data-testid="watchlist"] [data-instrument="${id}"] [data-field="lastPrice"]`)?.textContent !== before,
    { id: ADDED, before: seen },
    { timeout: 20_000 },
  );
});

test('the worker count changes live', async () => {
  await show('/ticker', 'ticker-page');
  const input = page.getByTestId('worker-count');
  await input.fill('2');
  await page.getByTestId('apply-workers').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="workers-table"] tbody tr.ant-table-row').length === 2);
  assert.equal((await agent.api.call('getTicker')).workers.length, 2);
  // The agent's own refusal is shown as it is.
  await input.fill('4');
  await page.getByTestId('apply-workers').click();
  await page.locator('.ant-tooltip').getByText('The broker allows at most 3 connections (workers) per API key.').waitFor();
  assert.equal((await agent.api.call('getTicker')).workers.length, 2, 'a refused change changes nothing');
  await input.fill('3');
  await page.getByTestId('apply-workers').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="workers-table"] tbody tr.ant-table-row').length === 3);
});

test('the ticker stops (asked first) and starts again from its page; the status bar says so', async () => {
  await show('/ticker', 'ticker-page');
  await page.getByTestId('stop-ticker').click();
  await page.locator('.ant-popconfirm').getByText('Stop the ticker?').waitFor();
  await page.locator('.ant-popconfirm').getByRole('button', { name: 'Stop' }).click();
  await page.getByTestId('ticker-stopped').waitFor();
  assert.equal((await agent.api.call('getTicker')).state, 'stopped');
  await page.getByTestId('status-bar').getByText('ticker stopped').waitFor();
  await shoot('ticker-stopped-light');
  await page.getByTestId('start-ticker').click();
  await page.getByTestId('ticker-stopped').waitFor({ state: 'detached' });
  const state = await agent.api.call('getTicker');
  assert.deepEqual([state.state, state.workers.length], ['running', 3]);
  await page.waitForFunction(() => /[\d,]+ ticks\/s/.test(document.querySelector('[data-testid="status-bar"]')?.textContent ?? ''));
});

test('removing an instrument asks first, then stops its ticks', async () => {
  await show('/ticker', 'ticker-page');
  const row = page.locator(`[data-testid="subscriptions-table"] tr[data-row-key="${ADDED}"]`);
  await row.getByRole('button', { name: `Remove ${ADDED}` }).click();
  await page.locator('.ant-popconfirm').getByText(`Stop ticking ${ADDED}?`).waitFor();
  await page.locator('.ant-popconfirm').getByRole('button', { name: 'Remove' }).click();
  await row.waitFor({ state: 'detached' });
  assert.ok(!(await agent.api.call('getTicker')).subscriptions.some((subscription) => subscription.instrument === ADDED));
});

test('a watchlist is created with +, renamed and deleted from its tab\'s context menu', async () => {
  await show('/market?i=NSE%3AINFY', 'page-market');
  const tabs = page.locator('[data-testid="watchlist"] [role="tab"]');
  const before = await tabs.count();
  await page.getByRole('button', { name: 'New watchlist' }).click();
  const dialog = page.locator('.ant-modal');
  await dialog.getByPlaceholder('Banks, F&O, Swing…').fill('Banks');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await tabs.filter({ hasText: 'Banks' }).waitFor();
  assert.equal(await tabs.count(), before + 1);

  await tabs.filter({ hasText: 'Banks' }).click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Rename' }).click();
  await dialog.getByPlaceholder('Banks, F&O, Swing…').fill('NIFTY 50');
  await dialog.getByText('A watchlist is already called “NIFTY 50”.').waitFor();
  await dialog.getByPlaceholder('Banks, F&O, Swing…').fill('PSU banks');
  await dialog.getByRole('button', { name: 'Rename' }).click();
  await tabs.filter({ hasText: 'PSU banks' }).waitFor();

  // Escape closes the menu without a choice.
  await tabs.filter({ hasText: 'PSU banks' }).click({ button: 'right' });
  await page.keyboard.press('Escape');
  await page.getByRole('menu').waitFor({ state: 'detached' });

  await tabs.filter({ hasText: 'PSU banks' }).click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Delete' }).click();
  await page.locator('.ant-modal-confirm').getByRole('button', { name: 'Delete watchlist' }).click();
  await tabs.filter({ hasText: 'PSU banks' }).waitFor({ state: 'detached' });
  assert.equal(await tabs.count(), before);
});

test('every page, populated with live data, in light and dark', async () => {
  for (const theme of ['light', 'dark'] as const) {
    await show('/settings', 'settings-page');
    await page.getByTestId('theme').getByText(theme === 'dark' ? 'Dark' : 'Light', { exact: true }).click();
    await page.waitForFunction((mode) => document.documentElement.dataset.theme === mode, theme);
    for (const [path, id, name] of [
      ['/', 'home-page', 'home'],
      ['/market?i=NSE%3ARELIANCE', 'page-market', 'market-watch'],
      ['/ticker', 'ticker-page', 'ticker'],
      ['/broker', 'broker-page', 'broker'],
      ['/settings', 'settings-page', 'settings'],
    ] as const) {
      await show(path, id);
      if (name === 'market-watch') await page.waitForFunction(() => Number(document.querySelector('[data-testid="candle-chart"]')?.getAttribute('data-bars')) > 0);
      if (name === 'home') await page.getByTestId('figure-rate').getByText(/\d+\/s/).waitFor();
      await shoot(`${name}-${theme}`);
    }
  }
  await show('/settings', 'settings-page');
  await page.getByTestId('theme').getByText('Light', { exact: true }).click();
});

test('a signed-in reload: the boot script\'s requests and stream are taken over by the app, none made twice', async () => {
  await show('/market?i=NSE%3AINFY', 'page-market');
  const sockets: string[] = [];
  const requests: string[] = [];
  const onSocket = (socket: { url(): string }) => sockets.push(socket.url());
  const onRequest = (request: { url(): string; method(): string }) => {
    if (request.url().includes('/api/')) requests.push(`${request.method()} ${new URL(request.url()).pathname}`);
  };
  // What the page before the reload still asks (its polls) is not the new page's.
  const onNavigated = (frame: unknown) => {
    if (frame !== page.mainFrame()) return;
    sockets.length = 0;
    requests.length = 0;
  };
  page.on('websocket', onSocket);
  page.on('request', onRequest);
  page.on('framenavigated', onNavigated);
  try {
    await page.reload();
    await page.waitForFunction(() => document.querySelector('[data-testid="watchlist"] [data-field="lastPrice"]:not([data-stale])')?.textContent?.match(/\d/));
    const early = await page.evaluate(() => {
      const start = window.algodeckEarly!;
      return { left: [...start.responses.keys()], stream: start.stream !== null, abandoned: start.abandoned };
    });
    assert.deepEqual(early, { left: [], stream: false, abandoned: false }, 'everything the boot script began was taken');
    assert.equal(sockets.length, 1, 'one stream');
    for (const path of ['/api/v1/session', '/api/v1/watchlists', '/api/v1/ticker', '/api/v1/broker']) {
      assert.equal(requests.filter((request) => request === `GET ${path}`).length >= 1, true, `${path} was asked`);
    }
    // The stores poll the ticker and broker later; the first of each was the boot script's.
    assert.equal(requests.indexOf('GET /api/v1/session'), 0, `the session is asked first: ${requests.slice(0, 5).join(', ')}`);
    assert.equal(requests.filter((request) => request === 'GET /api/v1/watchlists').length, 1, 'the watchlists once');
  } finally {
    page.off('websocket', onSocket);
    page.off('request', onRequest);
    page.off('framenavigated', onNavigated);
  }
});

test('an agent restart: prices are shown stale while it is down, and live again after, still signed in', async () => {
  await show('/market?i=NSE%3AINFY', 'page-market');
  // The chart has its history before the agent goes: the picture shows it kept, gone stale.
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="candle-chart"]')?.getAttribute('data-bars')) > 0);
  await agent.stop();
  await page.getByTestId('connection-banner').waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid="watchlist"] [data-instrument="NSE:INFY"] [data-field="lastPrice"]')?.hasAttribute('data-stale'));
  await shoot('market-watch-disconnected-light');
  agent = await startAgent();
  await page.locator('[data-testid="stream-state"][data-state="open"]').waitFor({ timeout: 30_000 });
  await page.getByTestId('connection-banner').waitFor({ state: 'detached' });
  const before = await cell('NSE:INFY', 'lastPrice').textContent();
  await page.waitForFunction(
    (text) => {
      const element = document.querySelector('[data-testid="watchlist"] [data-instrument="NSE:INFY"] [data-field="lastPrice"]');
      return element && !element.hasAttribute('data-stale') && element.textContent !== text;
    },
    before,
    { timeout: 20_000 },
  );
});

test('sign-out ends the session: the sign-in page comes back, and stays after a reload', async () => {
  await show('/settings', 'settings-page');
  await page.getByTestId('theme').getByText('Dark', { exact: true }).click();
  await page.getByTestId('sign-out').click();
  await page.getByTestId('sign-in').waitFor();
  await shoot('sign-in-dark');
  await page.reload();
  await page.getByTestId('sign-in').waitFor();
  const response = await page.evaluate(async () => (await fetch('/api/v1/ticker')).status);
  assert.equal(response, 401, 'the old cookie opens nothing');
  assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
});
