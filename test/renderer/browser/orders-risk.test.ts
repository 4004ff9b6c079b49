/**
 * Orders, positions and risk in a real browser against a real agent on the simulated market:
 * the empty page teaches; B on the selected instrument opens the ticket and an accepted order
 * fills into a position; a limit refuses an order and the ticket shows the rule and the agent's
 * sentence; limits change in the editor (a removed one is gone, a bad one shows the agent's
 * error on its field); the kill switch engages from the top bar (one confirm naming what it will
 * do) and is released. Screenshots in test-artifacts/screenshots/ (orders-*, risk-*).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { Order } from '../../../shared/order';
import { type Browser, launchChromium, screenshotPath, showPage, signIn, watchedPage } from '../../helpers/chromium';
import { startTestAgent, TEST_TOKEN, type TestAgent, waitFor } from '../../helpers/test-agent';

let agent: TestAgent;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

before(async () => {
  agent = await startTestAgent({ firstRunWatchlist: true, simTicksPerSecond: 2, workers: 2 });
  await waitFor('prices', async () => Object.keys((await agent.api.call('getQuotes', { instruments: ['NSE:INFY', 'NSE:TCS', 'NSE:SBIN', 'NSE:RELIANCE'] })).quotes).length === 4, 15_000);
  browser = await launchChromium();
  page = await watchedPage(browser, pageErrors);
  await signIn(page, agent.agent.url, TEST_TOKEN);
});

after(async () => {
  await browser?.close();
  await agent?.stop();
});

function show(path: string, testId: string) {
  return showPage(page, path, testId);
}

async function shoot(name: string) {
  await page.waitForFunction(() => document.querySelector('.ant-message-notice') === null, undefined, { timeout: 8_000 }).catch(() => undefined);
  // The pointer off the page: no hover state or chart crosshair in the picture.
  await page.mouse.move(1439, 899);
  await page.waitForTimeout(700);
  await page.screenshot({ path: screenshotPath(name) });
}

const lastPrice = async (id: string) => (await agent.api.call('getQuotes', { instruments: [id] })).quotes[id]!.lastPrice;
const ticket = () => page.getByTestId('order-ticket');
const orders = async (state?: Order['state']) => (await agent.api.call('listOrders', state ? { state } : {})).orders;

/** Waits until what the page shows is what the agent says (figures that move with prices reach the page within a poll). */
async function agreesWithAgent(what: string, shown: () => Promise<string | null>, truth: () => Promise<string>) {
  let last: [string | null, string] = [null, ''];
  try {
    await waitFor(what, async () => {
      last = [await shown(), await truth()];
      return last[0] === last[1];
    }, 10_000, 100);
  } catch {
    assert.fail(`${what}: the page shows ${last[0]}, the agent says ${last[1]}`);
  }
}

/** Opens market watch on `id`, with the page (not a field) focused, so keys are the page's. */
async function selectInMarketWatch(id: string) {
  await show(`/market?i=${encodeURIComponent(id)}`, 'page-market');
  await page.locator(`[data-testid="watchlist"] [data-instrument="${id}"]`).click();
}

test('the orders page, before any order, says how to get one in', async () => {
  await show('/orders', 'orders-page');
  await page.getByTestId('orders-empty').getByText('No orders yet: place one from the ticket, or start an algo.').waitFor();
  assert.match((await page.getByTestId('positions-table').textContent()) ?? '', /No positions yet/);
  assert.equal(await page.getByTestId('trading-state').getAttribute('data-state'), 'ACTIVE', 'the top bar shows the trading state');
  assert.match((await page.getByTestId('bar-pnl').textContent()) ?? '', /^P&L₹0$/);
});

test('B on the selected instrument opens the ticket (Esc closes it); a market order is accepted, fills, and its position shows with live P&L', async () => {
  await selectInMarketWatch('NSE:INFY');
  await page.keyboard.press('b');
  await ticket().waitFor();
  assert.match((await page.locator('.order-ticket .ant-drawer-title').textContent()) ?? '', /Buy\s*NSE:INFY/);
  await page.keyboard.press('Escape');
  await page.locator('.order-ticket .ant-drawer-content-wrapper').waitFor({ state: 'hidden' });

  await page.keyboard.press('b');
  await ticket().waitFor({ state: 'visible' });
  const stop = Math.floor((await lastPrice('NSE:INFY')) * 0.98);
  await page.getByTestId('ticket-quantity').fill('10');
  await page.getByTestId('ticket-stop').fill(String(stop));
  assert.equal(await page.getByTestId('ticket-algo').inputValue(), 'manual', 'a manual order is booked to "manual" unless named');
  await page.getByTestId('ticket-submit').click();
  await page.locator('.order-ticket .ant-drawer-content-wrapper').waitFor({ state: 'hidden' });

  const placed = (await orders()).find((order) => order.instrument === 'NSE:INFY' && order.algo === 'manual');
  assert.ok(placed, 'the agent has the order');
  assert.deepEqual([placed.side, placed.quantity, placed.type, placed.stopLoss, placed.state], ['BUY', 10, 'MARKET', stop, 'filled']);

  await show('/orders', 'orders-page');
  const pnl = page.getByTestId('pnl-manual-NSE:INFY');
  await pnl.waitFor();
  assert.match((await pnl.textContent()) ?? '', /^(?:[+-]₹[\d,]+\.\d{2}|₹0\.00)$/, 'P&L in rupees, signed, en-IN grouped');
  const position = async () => (await agent.api.call('getPositions')).positions.find((p) => p.algo === 'manual' && p.instrument === 'NSE:INFY')!;
  assert.equal((await position()).quantity, 10);
  // Money at risk moves with the price: the page shows the agent's figure of a moment ago.
  await agreesWithAgent('money at risk', () => page.getByTestId('at-risk-manual-NSE:INFY').textContent(), async () => `₹${Math.round((await position()).moneyAtRisk).toLocaleString('en-IN')}`);
  await page.locator(`[data-testid="orders-table"] tr[data-row-key="${placed.id}"]`).getByText('filled').waitFor();
  await page.getByTestId('orders-empty').waitFor({ state: 'detached' });
});

test('an order a limit refuses: the ticket shows the rule and the agent\'s sentence as it said it, and the order book keeps it', async () => {
  await agent.api.call('setRiskLimits', { algos: { manual: { maxOrderQuantity: 5 } } });
  await show('/orders', 'orders-page');
  await page.getByTestId('open-sell').click();
  await ticket().waitFor({ state: 'visible' });
  await page.getByTestId('ticket-instrument').click();
  await page.keyboard.type('TCS');
  await page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option[title="NSE:TCS"]').click();
  await page.getByTestId('ticket-quantity').fill('6');
  await page.getByTestId('ticket-submit').click();
  await page.getByTestId('ticket-refusal').waitFor();
  const refused = (await orders('rejected')).find((order) => order.instrument === 'NSE:TCS')!;
  assert.equal(refused.rejection?.rule, 'max_order_quantity');
  assert.equal(await page.getByTestId('ticket-rule').textContent(), 'max_order_quantity');
  assert.equal(await page.getByTestId('ticket-message').textContent(), refused.rejection!.message, 'the agent\'s message, as it is');
  await shoot('orders-ticket-refused-light');
  await page.keyboard.press('Escape');
  // In the order book, the refusal reads in full on the line under its order.
  const explained = page.locator(`[data-testid="orders-table"] tr[data-row-key="${refused.id}"]`).locator('xpath=following-sibling::tr[1]');
  await explained.getByTestId('rejection-rule').getByText('max_order_quantity').waitFor();
  assert.equal(await explained.getByTestId('rejection-message').textContent(), refused.rejection!.message);
  // The state filter shows only the refused ones.
  await page.getByTestId('order-filter').getByText(/^Rejected/).click();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="orders-table"] tbody tr.ant-table-row')].every((tr) => tr.querySelector('[data-state="rejected"]')));
  await page.getByTestId('order-filter').getByText('All', { exact: true }).click();
});

test('limits change in the editor: a changed one is sent, an emptied one removed, a bad one shows the agent\'s error on its field', async () => {
  await show('/risk', 'risk-page');
  await page.getByTestId('limits-editor').getByRole('tab', { name: /Per algo/ }).click();
  await page.getByTestId('limits-algo').locator('input').fill('manual');
  const algoForm = page.getByTestId('limit-form-algo');
  const quantity = algoForm.getByTestId('limit-maxOrderQuantity');
  await page.waitForFunction(() => (document.querySelector('[data-testid="limit-form-algo"] [data-testid="limit-maxOrderQuantity"]') as HTMLInputElement | null)?.value === '5');
  await quantity.fill('20');
  await algoForm.getByTestId('limit-maxRisk').fill('250000');
  await algoForm.getByTestId('limits-save').getByText('Save 2 changes').click();
  await waitFor('the agent has them', async () => {
    const limits = (await agent.api.call('getRisk')).limits.algos.manual;
    return limits?.maxOrderQuantity === 20 && limits.maxRisk === 250_000;
  });
  // Emptied: removed at the agent, not set to zero.
  await quantity.fill('');
  await algoForm.getByTestId('limits-save').getByText('Save 1 change').click();
  await waitFor('removed', async () => (await agent.api.call('getRisk')).limits.algos.manual?.maxOrderQuantity === undefined);
  assert.deepEqual((await agent.api.call('getRisk')).limits.algos.manual, { maxRisk: 250_000 }, 'only what was named changed');

  // A value the agent refuses: its own sentence under the field, and nothing changes.
  await page.getByTestId('limits-editor').getByRole('tab', { name: 'Global' }).click();
  const perSecond = page.getByTestId('limit-form-global').getByTestId('limit-maxOrdersPerSecond');
  await perSecond.fill('0');
  await page.getByTestId('limit-form-global').getByTestId('limits-save').click();
  const raw = await agent.request('PUT', '/api/v1/risk/limits', { body: JSON.stringify({ global: { maxOrdersPerSecond: 0 } }) });
  assert.equal(raw.status, 400);
  assert.equal(raw.body.error.field, 'global.maxOrdersPerSecond');
  const explain = page.getByTestId('limit-form-global').locator('.ant-form-item').filter({ has: page.getByTestId('limit-maxOrdersPerSecond') }).locator('.ant-form-item-explain-error');
  await explain.getByText(raw.body.error.message, { exact: true }).waitFor();
  assert.equal((await agent.api.call('getRisk')).limits.global.maxOrdersPerSecond, undefined);
  await perSecond.fill('');
});

test('orders and risk, populated, in light and dark', async () => {
  // A few algos holding a few instruments each, with and without stops, and an order resting.
  const book: Array<[string, string, 'BUY' | 'SELL', number, number | null]> = [
    ['ma-crossover', 'NSE:INFY', 'BUY', 40, 0.97],
    ['ma-crossover', 'NSE:TCS', 'BUY', 12, 0.98],
    ['momentum', 'NSE:RELIANCE', 'SELL', 25, 1.02],
    ['momentum', 'NSE:SBIN', 'BUY', 150, null],
    ['momentum', 'NSE:INFY', 'BUY', 20, 0.99],
  ];
  for (const [algo, instrument, side, quantity, stop] of book) {
    const price = await lastPrice(instrument);
    await agent.api.call('placeOrder', { algo, instrument, side, quantity, type: 'MARKET', ...(stop === null ? {} : { stopLoss: Math.round(price * stop) }) });
  }
  await agent.api.call('placeOrder', { algo: 'momentum', instrument: 'NSE:SBIN', side: 'BUY', quantity: 50, type: 'LIMIT', price: Math.round((await lastPrice('NSE:SBIN')) * 0.9) });
  await agent.api.call('setRiskLimits', { global: { maxRisk: 500_000, maxDailyLoss: 50_000, maxDrawdown: 40_000 }, algos: { momentum: { maxRisk: 150_000 } } });
  for (const theme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: theme });
    await show('/orders', 'orders-page');
    await page.getByTestId('pnl-momentum-NSE:SBIN').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="open-orders-table"] tbody tr.ant-table-row').length === 1);
    await shoot(`orders-${theme}`);
    await show('/risk', 'risk-page');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="risk-heatmap"] tbody tr').length === 3);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="risk-trend-chart"]')?.getAttribute('data-days')) >= 1);
    await shoot(`risk-${theme}`);
    // The rest of the page: the trend and the limits editor.
    await page.getByTestId('risk-page').evaluate((element) => element.scrollTo(0, element.scrollHeight));
    await shoot(`risk-limits-${theme}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  // The heat map's rows are algos, its columns instruments, its cells the agent's figures.
  const cell = page.locator('[data-testid="risk-heatmap"] tr[data-algo="momentum"] td[data-instrument="NSE:RELIANCE"]');
  await agreesWithAgent(
    'a heat map cell',
    () => cell.getAttribute('title'),
    async () => `momentum in NSE:RELIANCE: ₹${(await agent.api.call('getRisk')).moneyAtRisk.momentum!['NSE:RELIANCE']!.toLocaleString('en-IN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`,
  );
  await show('/', 'home-page');
  await page.getByTestId('figure-at-risk').locator('.ant-statistic-content-value').getByText(/^₹[\d,]+$/).waitFor();
  await shoot('home-risk-light');
});

test('one algo halted by hand from the states table (one confirm), refused by the rule, then resumed', async () => {
  const algo = Object.keys((await agent.api.call('getRisk')).algos)[0]!;
  await show('/risk', 'risk-page');
  await page.getByTestId(`set-algo:${algo}-HALTED`).click();
  await page.locator('.ant-popconfirm').getByText(`Halt ${algo}?`).waitFor();
  await page.locator('.ant-popconfirm').getByRole('button', { name: 'Yes' }).click();
  await page.locator(`[data-testid="state-algo:${algo}"][data-state="HALTED"]`).waitFor();
  assert.equal((await agent.api.call('getRisk')).algos[algo]?.state, 'HALTED');
  const refused = await agent.request('POST', '/api/v1/orders', { body: JSON.stringify({ algo, instrument: 'NSE:INFY', side: 'BUY', quantity: 1, type: 'MARKET' }) });
  assert.equal(refused.body.error.details.rule, 'halted');
  await shoot('risk-algo-halted-light');
  await page.getByTestId(`set-algo:${algo}-ACTIVE`).click();
  await page.locator('.ant-popconfirm').getByText(`Resume ${algo}?`).waitFor();
  await page.locator('.ant-popconfirm').getByRole('button', { name: 'Yes' }).click();
  await page.locator(`[data-testid="state-algo:${algo}"][data-state="ACTIVE"]`).waitFor();
  assert.equal((await agent.api.call('getRisk')).algos[algo]?.state, 'ACTIVE');
});

test('the kill switch engages from the top bar with one confirm that names what it does, and is released', async () => {
  const open = (await orders()).filter((order) => order.state === 'open').length;
  const held = (await agent.api.call('getPositions')).positions.filter((position) => position.quantity !== 0).length;
  assert.ok(open >= 1 && held >= 1);
  await show('/risk', 'risk-page');
  await page.getByTestId('kill-switch').click();
  const question = page.getByTestId('kill-switch-question');
  await question.getByText(`Halt all trading and cancel ${open} open ${open === 1 ? 'order' : 'orders'}?`, { exact: true }).waitFor();
  await page.getByTestId('kill-switch-flatten').check();
  await question.getByText(`Halt all trading, cancel ${open} open ${open === 1 ? 'order' : 'orders'} and square off ${held} positions?`, { exact: true }).waitFor();
  await shoot('risk-kill-switch-light');
  await page.getByTestId('kill-switch-confirm').click();
  await page.getByTestId('kill-switch-result').getByText(`Cancelled ${open} ${open === 1 ? 'order' : 'orders'}.`).waitFor();
  await page.getByTestId('kill-switch-dialog').getByRole('button', { name: 'Close' }).click();

  const engaged = await agent.api.call('getRisk');
  assert.deepEqual([engaged.state.state, engaged.state.killSwitch], ['HALTED', true]);
  assert.equal((await orders()).filter((order) => order.state === 'open').length, 0, 'every open order cancelled');
  assert.equal((await agent.api.call('getPositions')).positions.filter((position) => position.quantity !== 0).length, 0, 'every position squared off');
  await page.locator('[data-testid="trading-state"][data-state="HALTED"]').getByText('HALTED · kill switch').waitFor();
  await page.locator('[data-testid="global-state-tag"][data-state="HALTED"]').waitFor();

  // Halted: the ticket's order is refused by the rule that says so.
  await page.getByTestId('kill-switch').getByText('Release kill switch').waitFor();
  await show('/orders', 'orders-page');
  await page.getByTestId('open-buy').click();
  await ticket().waitFor({ state: 'visible' });
  await page.getByTestId('ticket-submit').click();
  await page.getByTestId('ticket-rule').getByText('halted').waitFor();
  await page.keyboard.press('Escape');

  await page.getByTestId('kill-switch').click();
  await page.getByTestId('kill-switch-dialog').getByText('Release the kill switch?').waitFor();
  await page.getByTestId('kill-switch-confirm').click();
  await page.getByTestId('kill-switch-dialog').getByRole('button', { name: 'Close' }).click();
  await page.locator('[data-testid="trading-state"][data-state="ACTIVE"]').waitFor();
  const released = await agent.api.call('getRisk');
  assert.deepEqual([released.state.state, released.state.killSwitch], ['ACTIVE', false]);
  assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
});
