/**
 * The Algos page in a real browser against a real agent on the simulated market, with the
 * example algos registered as a fresh agent does: the examples offered with their start buttons
 * (one started from there); a small algo of the test's own (it buys, keeps its state through the
 * state API and logs) started from the table, running with its trading figures; its state read
 * and a key deleted (asked first), its log and its orders; an algo run outside the fleet's tasks
 * listed without controls; the algo stopped, asked first. Screenshots in
 * test-artifacts/screenshots/ (algos-*).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { type Browser, launchChromium, screenshotPath, showPage, signIn, watchedPage } from '../../helpers/chromium';
import { startTestAgent, TEST_TOKEN, type TestAgent, waitFor } from '../../helpers/test-agent';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** An algo through the REST API alone: it counts its runs in its state, buys 4 INFY once, notes its position, and logs until stopped. */
const SCALPER = `
const { ALGODECK_URL: url, ALGODECK_TASK_TOKEN: token, ALGODECK_TASK_NAME: name } = process.env;
async function call(method, path, body) {
  const answer = await fetch(url + path, { method, headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await answer.json();
  if (!answer.ok) throw new Error(JSON.stringify(json));
  return json;
}
const state = (await call('GET', '/api/v1/algos/' + name + '/state')).values;
const runs = (state.runs ?? 0) + 1;
console.log(JSON.stringify({ msg: 'started', runs }));
const order = await call('POST', '/api/v1/orders', { algo: name, instrument: 'NSE:INFY', side: 'BUY', quantity: 4, type: 'MARKET' });
console.log(JSON.stringify({ msg: 'bought', order: order.id, state: order.state }));
await call('PUT', '/api/v1/algos/' + name + '/state', { values: {
  runs,
  position: { instrument: 'NSE:INFY', quantity: 4, order: order.id },
  notes: 'entered on the open; exit when the 20-bar channel breaks or the day ends, whichever comes first, and never average down',
  scratch: true,
} });
const beat = setInterval(() => console.log('watching NSE:INFY'), 400);
process.on('SIGTERM', () => { clearInterval(beat); console.log('bye'); process.exit(0); });
`;

let scratch: string;
let agent: TestAgent;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'algodeck-algos-browser-'));
  const examples = join(scratch, 'examples');
  execFileSync(process.execPath, [join(root, 'build/examples.mjs'), examples], { stdio: 'inherit' });
  writeFileSync(join(scratch, 'scalper.mjs'), SCALPER);
  agent = await startTestAgent({ name: 'laptop', examples, firstRunWatchlist: true, simTicksPerSecond: 2, workers: 1 });
  await waitFor('prices', async () => (await agent.api.call('getQuotes', { instruments: ['NSE:INFY', 'NSE:TCS'] })).quotes['NSE:INFY'] !== undefined, 15_000);
  await agent.api.call('createTask', { name: 'scalper', command: 'node', args: [join(scratch, 'scalper.mjs')], stopTimeoutSeconds: 5, restart: { policy: 'never' } } as never);
  browser = await launchChromium();
  page = await watchedPage(browser, pageErrors);
  await signIn(page, agent.agent.url, TEST_TOKEN);
});

after(async () => {
  await browser?.close();
  await agent?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

async function shoot(name: string) {
  await page.waitForFunction(() => document.querySelector('.ant-message-notice, .ant-popover:not(.ant-popover-hidden)') === null, undefined, { timeout: 8_000 }).catch(() => undefined);
  await page.mouse.move(1439, 899);
  await page.waitForTimeout(700);
  await page.screenshot({ path: screenshotPath(name) });
}

const taskState = (name: string) => page.getByTestId(`task-state-${name}`);
const confirm = (button: string) => page.locator('.ant-popconfirm:not(.ant-popover-hidden)').getByRole('button', { name: button }).click();
const stateOf = async (algo: string) => (await agent.api.call('getAlgoState', { algo })).values;

test('Alt+A opens the page: every task of the agent, and the examples never started offered with their language and a start', async () => {
  await showPage(page, '/', 'home-page');
  await page.keyboard.press('Alt+a');
  await page.getByTestId('algos-page').waitFor();
  await page.getByTestId('algos-summary').getByText('5 algos on 1 agent · 0 running').waitFor();
  for (const name of ['breakout', 'ma-crossover', 'pair-a', 'pair-b', 'scalper']) assert.equal(await taskState(name).textContent(), 'stopped', name);
  const card = page.getByTestId('examples-card');
  assert.deepEqual(await card.locator('.example-name').allTextContents(), ['breakout', 'ma-crossover', 'pair-a', 'pair-b'], 'the test\'s own algo is no example');
  assert.match((await page.getByTestId('example-breakout').textContent()) ?? '', /Python.*highest high.*RELIANCE/);
  assert.match((await page.getByTestId('example-ma-crossover').textContent()) ?? '', /TypeScript.*moving average.*INFY/);
  assert.match((await card.textContent()) ?? '', /docs\/algos\.md/);

  await page.getByTestId('start-example-ma-crossover').click();
  await taskState('ma-crossover').getByText('running').waitFor({ timeout: 10_000 });
  await page.getByTestId('example-ma-crossover').waitFor({ state: 'detached' });
  assert.equal(await card.locator('.example-name').count(), 3, 'a started example is no longer offered');
  const started = (await agent.api.call('listTasks')).tasks.find((task) => task.name === 'ma-crossover')!;
  assert.equal(started.state, 'running', 'started on the agent');
});

test('an algo started from the table runs with its trading figures: day P&L, money at risk, its position and its order', async () => {
  await page.getByTestId('start-scalper').click();
  await taskState('scalper').getByText('running').waitFor({ timeout: 10_000 });
  await waitFor('its order filled', async () => (await agent.api.call('listOrders', { algo: 'scalper' })).orders.some((order) => order.state === 'filled'), 15_000, 200);
  await page.getByTestId('positions-scalper').getByText('1').waitFor({ timeout: 10_000 });
  await page.getByTestId('orders-scalper').getByText('1', { exact: true }).waitFor();
  const risk = (await agent.api.call('getRisk')).algos.scalper!;
  assert.ok(risk.moneyAtRisk > 0, 'the risk manager counts it at risk');
  assert.match((await page.getByTestId('risk-scalper').textContent()) ?? '', /^₹[\d,]+$/);
  assert.match((await page.getByTestId('pnl-scalper').textContent()) ?? '', /^([+-]₹|₹)[\d,]+\.\d\d$/);
  assert.equal(await page.getByTestId('trading-scalper').getAttribute('data-state'), 'ACTIVE');
  await page.getByTestId('algos-summary').getByText(/2 running/).waitFor();
});

test('an algo run outside the fleet\'s tasks is listed with its figures and no controls', async () => {
  await agent.api.call('placeOrder', { algo: 'desk-momentum', instrument: 'NSE:TCS', side: 'BUY', quantity: 2, type: 'MARKET' });
  await taskState('desk-momentum').getByText('not a task').waitFor({ timeout: 10_000 });
  await page.getByTestId('orders-desk-momentum').getByText('1', { exact: true }).waitFor();
  const row = page.getByTestId('algo-row-desk-momentum');
  assert.equal(await row.getByRole('button').count(), 0, 'nothing to start or stop here');
  await row.click();
  await page.getByTestId('state-empty').getByText(/Algos keep what they must remember here: it survives restarts of the algo and of the agent/).waitFor();
  assert.deepEqual(await page.getByTestId('algo-tabs').getByRole('tab').allTextContents(), ['State', 'Orders (1 today)'], 'no log: it is not a task');
});

test('choosing the algo shows its state; a key is deleted, asked first, on the agent too', async () => {
  await page.getByTestId('algo-row-scalper').click();
  await page.getByTestId('algo-state').waitFor();
  await page.getByTestId('state-key-position').waitFor({ timeout: 10_000 });
  assert.equal(await page.getByTestId('state-value-runs').textContent(), '1');
  assert.match((await page.getByTestId('state-value-position').textContent()) ?? '', /^\{"instrument":"NSE:INFY","quantity":4,"order":"[^"]+"\}$/);
  assert.match((await page.getByTestId('state-value-notes').textContent()) ?? '', /…$/, 'a long value is cut');
  assert.match((await page.getByTestId('state-summary').textContent()) ?? '', /^4 keys kept by laptop · read \d\d:\d\d:\d\d IST$/);
  // The long one opens in full.
  await page.getByTestId('state-table').locator('tr[data-row-key="notes"] .ant-table-row-expand-icon').click();
  await page.locator('.state-json').getByText('never average down').waitFor();
  await shoot('algos-light');

  await page.getByTestId('delete-key-scratch').click();
  await page.locator('.ant-popconfirm:not(.ant-popover-hidden)').getByText('“scratch”').waitFor();
  await confirm('Delete');
  await page.getByTestId('state-key-scratch').waitFor({ state: 'detached' });
  assert.deepEqual(Object.keys(await stateOf('scalper')).sort(), ['notes', 'position', 'runs'], 'deleted on the agent');
});

test('its log follows live, and its orders are listed', async () => {
  await page.getByTestId('algo-tabs').getByRole('tab', { name: 'Log' }).click();
  await page.getByTestId('task-logs').waitFor();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="log-lines"] .log-line')].some((line) => line.textContent?.includes('"msg":"bought"')), undefined, { timeout: 10_000 });
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="log-lines"] .log-line')].filter((line) => line.textContent?.includes('watching NSE:INFY')).length >= 3, undefined, { timeout: 10_000 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await shoot('algos-log-dark');
  await page.emulateMedia({ colorScheme: 'light' });

  await page.getByTestId('algo-tabs').getByRole('tab', { name: /Orders \(1 today\)/ }).click();
  const orders = page.getByTestId('algo-orders-table');
  await orders.getByText('INFY').waitFor();
  assert.equal(await orders.locator('tbody tr.ant-table-row').count(), 1, 'its own order only');
  assert.ok(await orders.locator('[data-state="filled"]').isVisible());
  await shoot('algos-orders-light');
});

test('the algo is stopped, asked first; its state is cleared, asked first', async () => {
  await page.getByTestId('stop-scalper').click();
  await page.locator('.ant-popconfirm:not(.ant-popover-hidden)').getByText('Its 1 open position stays open.').waitFor();
  await confirm('Stop');
  await taskState('scalper').getByText('stopped').waitFor({ timeout: 15_000 });
  assert.equal((await agent.api.call('listTasks')).tasks.find((task) => task.name === 'scalper')!.state, 'stopped');

  await page.getByTestId('algo-tabs').getByRole('tab', { name: 'State' }).click();
  await page.getByTestId('state-key-runs').waitFor();
  await page.emulateMedia({ colorScheme: 'dark' });
  await shoot('algos-dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.getByTestId('clear-state').click();
  await confirm('Clear all');
  await page.getByTestId('state-empty').getByText(/it survives restarts of the algo and of the agent/).waitFor();
  assert.deepEqual(await stateOf('scalper'), {});
  await waitFor('no page errors', () => pageErrors.length === 0 || pageErrors);
  assert.deepEqual(pageErrors, []);
});
