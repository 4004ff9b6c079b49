/** The tray from state: icon, tooltip and menu for each situation, and when quitting asks first. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quitQuestion, type TrayInput, trayModel } from '../../electron/tray-model';

const running = { state: 'running' as const, ticksPerSecond: 1234.4, stale: [] as string[] };
const kiteIn = { provider: 'kite' as const, session: 'logged-in' as const, userId: 'AB1234', expiresAt: '2026-12-03T00:30:00.000Z' };
const base: TrayInput = { windowVisible: true, ticker: running, broker: kiteIn, agentUrl: 'http://127.0.0.1:7420', startAtLogin: false };

const labels = (input: TrayInput) => trayModel(input).menu.map((item) => (item.type === 'separator' ? '—' : `${item.label}${item.enabled ? '' : ' (disabled)'}${item.type === 'checkbox' ? (item.checked ? ' [x]' : ' [ ]') : ''}`));

test('live and logged in: a quiet icon, the rate in the tooltip, hide window first', () => {
  const model = trayModel(base);
  assert.equal(model.icon, 'ok');
  assert.equal(model.tooltip, 'AlgoDeck\nTicker: running, 1,234 ticks/s\nKite: logged in as AB1234');
  assert.deepEqual(labels(base), ['Hide AlgoDeck', '—', 'Ticker: running, 1,234 ticks/s (disabled)', 'Stop the ticker', 'Kite: logged in as AB1234 (disabled)', '—', 'Open the cockpit in a browser', 'Start AlgoDeck at login [ ]', '—', 'Quit AlgoDeck']);
});

test('a Kite session that ended asks for attention and offers the login', () => {
  for (const session of ['needs-login', 'expired'] as const) {
    const input = { ...base, windowVisible: false, broker: { ...kiteIn, session }, ticker: { ...running, state: 'needs-login' as const } };
    const model = trayModel(input);
    assert.equal(model.icon, 'attention');
    const login = model.menu.find((item) => item.type !== 'separator' && item.action === 'broker-login');
    assert.ok(login && login.type !== 'separator' && login.enabled, session);
    assert.equal(labels(input)[0], 'Show AlgoDeck');
    assert.match(model.tooltip, /Ticker: waiting for the broker login\nKite: login needed/);
  }
});

test('stale instruments ask for attention; the simulated market never asks for a login', () => {
  const stale = trayModel({ ...base, ticker: { ...running, stale: ['NSE:INFY', 'NSE:TCS'] }, broker: { provider: 'sim', session: 'logged-in', userId: null, expiresAt: null } });
  assert.equal(stale.icon, 'attention');
  assert.match(stale.tooltip, /1,234 ticks\/s, 2 stale\nBroker: simulated market/);
  assert.equal(stale.menu.some((item) => item.type !== 'separator' && item.action === 'broker-login'), false);
});

test('a stopped ticker says so and offers the start; a running one the stop; no agent, neither', () => {
  const stopped = { ...base, ticker: { state: 'stopped' as const, ticksPerSecond: 0, stale: ['NSE:INFY'] } };
  const model = trayModel(stopped);
  assert.equal(model.icon, 'attention');
  assert.match(model.tooltip, /\nTicker: stopped\n/);
  assert.deepEqual(labels(stopped).slice(2, 4), ['Ticker: stopped (disabled)', 'Start the ticker']);
  const action = (input: TrayInput, label: string) => trayModel(input).menu.find((item) => item.type !== 'separator' && item.label === label);
  assert.equal((action(stopped, 'Start the ticker') as { action: string }).action, 'start-ticker');
  assert.equal((action(base, 'Stop the ticker') as { action: string }).action, 'stop-ticker');
  assert.equal(labels({ ...base, ticker: null }).some((label) => /the ticker$/.test(label)), false);
  assert.equal(quitQuestion(stopped), null, 'nothing runs: quitting asks nothing');
});

test('no agent: a down icon, and no browser link to open', () => {
  const model = trayModel({ ...base, ticker: null, broker: null, agentUrl: null, startAtLogin: true });
  assert.equal(model.icon, 'down');
  assert.equal(model.tooltip, 'AlgoDeck\nTicker: agent not reachable\nBroker: unknown');
  const open = model.menu.find((item) => item.type !== 'separator' && item.action === 'open-in-browser');
  assert.ok(open && open.type !== 'separator' && !open.enabled);
  assert.ok(labels({ ...base, startAtLogin: true }).includes('Start AlgoDeck at login [x]'));
});

test('quitting asks first only while the ticker runs', () => {
  assert.match(quitQuestion({ ticker: running }) ?? '', /ticker is running \(1,234 ticks\/s\)\. Quitting AlgoDeck stops it/);
  assert.equal(quitQuestion({ ticker: { ...running, state: 'needs-login' } }), null);
  assert.equal(quitQuestion({ ticker: null }), null);
});
