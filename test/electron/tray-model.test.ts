/** The tray from state: icon, tooltip and menu for each situation, the fleet's figures and commands, and when quitting asks first. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { algoCommandPath, algosSubmenu, stopAlgoQuestion, type TrayAlgo, trayAlgos } from '../../electron/tray-algos';
import { fleetCommandNotice, fleetCommandTargets, fleetSummary, killSwitchDialog, quitQuestion, stopAllQuestion, type TrayFleet, type TrayInput, type TrayItem, trayModel, type TrayRisk, trayRisk } from '../../electron/tray-model';

const running = { state: 'running' as const, ticksPerSecond: 1234.4, stale: [] as string[] };
const kiteIn = { provider: 'kite' as const, session: 'logged-in' as const, userId: 'AB1234', expiresAt: '2026-12-03T00:30:00.000Z' };
const quiet: TrayFleet = { agentsOnline: 1, agentsTotal: 1, algosRunning: 2, algosTotal: 2, algosErrored: 0, localRunning: 2 };
const base: TrayInput = { windowVisible: true, ticker: running, broker: kiteIn, fleet: quiet, fleetCommand: null, algos: null, algoCommands: {}, risk: null, agentUrl: 'http://127.0.0.1:7420', startAtLogin: false };

const label = (item: TrayItem) => (item.type === 'separator' ? '—' : `${item.label}${item.enabled ? '' : ' (disabled)'}${item.type === 'checkbox' ? (item.checked ? ' [x]' : ' [ ]') : ''}${item.type === 'submenu' ? ' ▸' : ''}`);
const labels = (input: TrayInput) => trayModel(input).menu.map(label);

test('live and logged in: a quiet icon, the rate in the tooltip, hide window first', () => {
  const model = trayModel(base);
  assert.equal(model.icon, 'ok');
  assert.equal(model.tooltip, 'AlgoDeck\nTicker: running, 1,234 ticks/s\nKite: logged in as AB1234\nAlgos: 2 of 2 running');
  assert.deepEqual(labels(base), [
    'Hide AlgoDeck',
    '—',
    'Ticker: running, 1,234 ticks/s (disabled)',
    'Stop the ticker',
    'Kite: logged in as AB1234 (disabled)',
    'Algos: 2 of 2 running (disabled)',
    'Start all algos (disabled)',
    'Stop all algos…',
    'Algos on this computer ▸',
    '—',
    'Trading: unknown (disabled)',
    'Kill switch: halt all trading… (disabled)',
    '—',
    'Open the cockpit in a browser',
    'Start AlgoDeck at login [ ]',
    '—',
    'Quit AlgoDeck',
  ]);
});

const active: TrayRisk = trayRisk({ state: { state: 'ACTIVE', reason: null, since: '', killSwitch: false }, totals: { moneyAtRisk: 842_500.4, pnl: 0, dayPnl: 12_345.6, drawdown: 0, openPositions: 3 } });

test('the risk line: the state, the day’s P&L with its sign and money at risk in en-IN; the kill switch one click away', () => {
  const model = trayModel({ ...base, risk: active });
  assert.equal(model.icon, 'ok');
  assert.match(model.tooltip, /\nTrading: active · P&L \+₹12,346 · at risk ₹8,42,500$/);
  const lines = labels({ ...base, risk: active });
  assert.ok(lines.includes('Trading: active · P&L +₹12,346 · at risk ₹8,42,500 (disabled)'), lines.join('\n'));
  assert.ok(lines.includes('Kill switch: halt all trading…'));
  const losing = labels({ ...base, risk: { ...active, dayPnl: -500 } });
  assert.ok(losing.some((l) => l.startsWith('Trading: active · P&L −₹500')), losing.join('\n'));
});

test('the icon shows the risk state: HALTED is red over everything, REDUCING amber', () => {
  const halted = { ...active, state: 'HALTED' as const, killSwitch: true };
  assert.equal(trayModel({ ...base, risk: halted }).icon, 'halted');
  assert.equal(trayModel({ ...base, ticker: null, risk: halted }).icon, 'halted', 'even without a ticker');
  assert.equal(trayModel({ ...base, risk: { ...active, state: 'HALTED' } }).icon, 'halted', 'a breach halts too');
  assert.equal(trayModel({ ...base, risk: { ...active, state: 'REDUCING' } }).icon, 'attention');
  const lines = labels({ ...base, risk: halted });
  assert.ok(lines.includes('Release the kill switch…'));
  assert.ok(lines.some((l) => l.startsWith('Trading: HALTED by the kill switch')));
  assert.ok(!lines.some((l) => l.startsWith('Kill switch:')), 'not offered twice');
});

test('the kill switch asks once, naming what it does, with square-off and stopping algos as a choice', () => {
  const engage = killSwitchDialog(active, 12, 3);
  assert.equal(engage.message, 'Halt all trading and cancel 12 open orders?');
  assert.match(engage.detail, /stop 3 running algos across the fleet/);
  assert.deepEqual(engage.buttons.map((b) => [b.label, b.body]), [
    ['Halt and cancel orders', { engage: true, flatten: false, stopAlgos: false }],
    ['Halt, square off and stop algos', { engage: true, flatten: true, stopAlgos: true }],
    ['Cancel', null],
  ]);
  assert.equal(killSwitchDialog(active, 0, 0).message, 'Halt all trading and refuse every new order?');
  assert.equal(killSwitchDialog(active, 1, 1).message, 'Halt all trading and cancel 1 open order?');
  const release = killSwitchDialog({ ...active, killSwitch: true, state: 'HALTED' }, 0, 0);
  assert.equal(release.message, 'Release the kill switch?');
  assert.deepEqual(release.buttons.at(-1), { label: 'Cancel', body: null });
  assert.deepEqual(release.buttons[0]!.body, { engage: false, flatten: false, stopAlgos: false });
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
  const stopped = { ...base, ticker: { state: 'stopped' as const, ticksPerSecond: 0, stale: ['NSE:INFY'] }, fleet: { ...quiet, algosRunning: 0, localRunning: 0 } };
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
  const model = trayModel({ ...base, ticker: null, broker: null, fleet: null, agentUrl: null, startAtLogin: true });
  assert.equal(model.icon, 'down');
  assert.equal(model.tooltip, 'AlgoDeck\nTicker: agent not reachable\nBroker: unknown\nAlgos: unknown');
  const open = model.menu.find((item) => item.type !== 'separator' && item.action === 'open-in-browser');
  assert.ok(open && open.type !== 'separator' && !open.enabled);
  assert.ok(labels({ ...base, startAtLogin: true }).includes('Start AlgoDeck at login [x]'));
});

test('quitting asks first only while the ticker or algos on this computer run', () => {
  const idle: TrayFleet = { ...quiet, algosRunning: 0, localRunning: 0 };
  assert.equal(quitQuestion({ ticker: running, fleet: null }), 'The ticker is running (1,234 ticks/s). Quitting AlgoDeck stops it, and the embedded agent with it. Quit anyway?');
  assert.equal(quitQuestion({ ticker: running, fleet: idle }), quitQuestion({ ticker: running, fleet: null }));
  assert.equal(quitQuestion({ ticker: { ...running, state: 'needs-login' }, fleet: idle }), null);
  assert.equal(quitQuestion({ ticker: null, fleet: null }), null);
  assert.equal(quitQuestion({ ticker: { ...running, state: 'stopped' }, fleet: { ...idle, algosTotal: 4, algosErrored: 1 } }), null, 'an errored algo is not running');
});

test('quitting names the algos on this computer, and says the members keep running', () => {
  const stopped = { ...running, state: 'stopped' as const };
  assert.equal(
    quitQuestion({ ticker: stopped, fleet: { ...quiet, algosRunning: 1, localRunning: 1 } }),
    '1 algo is running on this computer. Quitting AlgoDeck stops them, and the embedded agent with them. Quit anyway?',
  );
  assert.equal(
    quitQuestion({ ticker: running, fleet: { agentsOnline: 3, agentsTotal: 3, algosRunning: 5, algosTotal: 6, algosErrored: 0, localRunning: 3 } }),
    'The ticker is running (1,234 ticks/s) and 3 algos are running on this computer. Quitting AlgoDeck stops them, and the embedded agent with them. ' +
      'The 2 algos running on your other agents keep running. Quit anyway?',
  );
  assert.match(quitQuestion({ ticker: running, fleet: { ...quiet, algosRunning: 3, localRunning: 2, agentsTotal: 2, agentsOnline: 2 } }) ?? '', / The 1 algo running on your other agents keeps running\. Quit anyway\?$/);
  assert.equal(quitQuestion({ ticker: null, fleet: { ...quiet, algosRunning: 4, localRunning: 0, agentsTotal: 2, agentsOnline: 2 } }), null, 'only members run algos: quitting stops none');
});

const fleetLine = (fleet: TrayFleet | null) => labels({ ...base, fleet })[5];
const fleetItem = (input: TrayInput, action: 'start-all-tasks' | 'stop-all-tasks') => {
  const item = trayModel(input).menu.find((entry) => entry.type !== 'separator' && entry.action === action);
  assert.ok(item && item.type !== 'separator', action);
  return item;
};

test('the algos line: counts, errored, the agents and their plurals', () => {
  assert.equal(fleetLine(quiet), 'Algos: 2 of 2 running (disabled)', 'the hub alone: no agents named');
  assert.equal(fleetLine({ ...quiet, agentsOnline: 3, agentsTotal: 3, algosRunning: 3, algosTotal: 5 }), 'Algos: 3 of 5 running on 3 agents (disabled)');
  assert.equal(fleetLine({ ...quiet, agentsOnline: 2, agentsTotal: 3, algosRunning: 3, algosTotal: 5, algosErrored: 1 }), 'Algos: 3 of 5 running, 1 errored, 1 agent offline (disabled)');
  assert.equal(fleetLine({ ...quiet, agentsOnline: 1, agentsTotal: 3, algosRunning: 0, algosTotal: 1 }), 'Algos: 0 of 1 running, 2 agents offline (disabled)');
  assert.equal(fleetLine({ ...quiet, agentsOnline: 2, agentsTotal: 2, algosRunning: 1, algosTotal: 4, algosErrored: 3 }), 'Algos: 1 of 4 running on 2 agents, 3 errored (disabled)');
  assert.equal(fleetLine({ ...quiet, algosRunning: 0, algosTotal: 0, localRunning: 0 }), 'No algos yet (disabled)');
  assert.equal(fleetLine({ ...quiet, agentsTotal: 4, agentsOnline: 4, algosRunning: 0, algosTotal: 0, localRunning: 0 }), 'No algos yet (disabled)');
  assert.equal(fleetLine({ ...quiet, agentsTotal: 2, agentsOnline: 1, algosRunning: 0, algosTotal: 0, localRunning: 0 }), 'No algos yet, 1 agent offline (disabled)');
  assert.equal(fleetLine({ ...quiet, agentsTotal: 30, agentsOnline: 30, algosRunning: 1200, algosTotal: 1500 }), 'Algos: 1,200 of 1,500 running on 30 agents (disabled)');
  assert.equal(fleetLine(null), 'Algos: unknown (disabled)');
  assert.equal(trayModel({ ...base, fleet: { ...quiet, agentsOnline: 2, agentsTotal: 3, algosErrored: 1 } }).tooltip.split('\n')[3], 'Algos: 2 of 2 running, 1 errored, 1 agent offline');
});

test('a busy tooltip keeps within the 127 characters Windows shows, giving up its title first', () => {
  const busy = {
    ...base,
    ticker: { ...running, ticksPerSecond: 12_345, stale: ['NSE:INFY', 'NSE:TCS', 'NSE:SBIN'] },
    fleet: { agentsOnline: 8, agentsTotal: 10, algosRunning: 12, algosTotal: 15, algosErrored: 3, localRunning: 4 },
  };
  const typical = trayModel({ ...busy, ticker: { ...running, stale: ['NSE:INFY', 'NSE:TCS'] } }).tooltip;
  assert.equal(typical, 'AlgoDeck\nTicker: running, 1,234 ticks/s, 2 stale\nKite: logged in as AB1234\nAlgos: 12 of 15 running, 3 errored, 2 agents offline');
  assert.equal(typical.length, 127);
  const tooltip = trayModel(busy).tooltip;
  assert.ok(tooltip.length <= 127, `${tooltip.length}: ${tooltip}`);
  assert.equal(tooltip, 'Ticker: running, 12,345 ticks/s, 3 stale\nKite: logged in as AB1234\nAlgos: 12 of 15 running, 3 errored, 2 agents offline', 'the title goes first');
});

test('start all is offered when some algos do not run, stop all when some run; neither while one is under way or unknown', () => {
  const some = { ...quiet, algosRunning: 1, algosTotal: 3 };
  const enabled = (fleet: TrayFleet | null, fleetCommand: TrayInput['fleetCommand'] = null) =>
    [fleetItem({ ...base, fleet, fleetCommand }, 'start-all-tasks').enabled, fleetItem({ ...base, fleet, fleetCommand }, 'stop-all-tasks').enabled];
  assert.deepEqual(enabled(some), [true, true]);
  assert.deepEqual(enabled(quiet), [false, true], 'all running: nothing to start');
  assert.deepEqual(enabled({ ...quiet, algosRunning: 0, localRunning: 0 }), [true, false], 'none running: nothing to stop');
  assert.deepEqual(enabled({ ...quiet, algosRunning: 0, algosTotal: 0, localRunning: 0 }), [false, false], 'no algos');
  assert.deepEqual(enabled({ ...some, algosErrored: 2 }), [true, true], 'errored algos are not running: start all restarts them');
  assert.deepEqual(enabled(null), [false, false]);
  assert.deepEqual(enabled(some, 'stop'), [false, false]);
  assert.deepEqual(enabled(some, 'start'), [false, false]);
  assert.equal(fleetItem({ ...base, fleetCommand: 'stop' }, 'stop-all-tasks').label, 'Stopping all algos…');
  assert.equal(fleetItem({ ...base, fleetCommand: 'start' }, 'start-all-tasks').label, 'Starting all algos…');
  assert.equal(fleetItem(base, 'stop-all-tasks').label, 'Stop all algos…', 'it asks first');
  assert.equal(fleetItem(base, 'start-all-tasks').label, 'Start all algos');
});

test('an errored algo or an offline member asks for attention; an unknown fleet does not, no agent stays down', () => {
  assert.equal(trayModel(base).icon, 'ok');
  assert.equal(trayModel({ ...base, fleet: { ...quiet, algosRunning: 1, algosErrored: 1 } }).icon, 'attention');
  assert.equal(trayModel({ ...base, fleet: { ...quiet, agentsTotal: 2 } }).icon, 'attention');
  assert.equal(trayModel({ ...base, fleet: { ...quiet, algosRunning: 0, localRunning: 0 } }).icon, 'ok', 'stopped algos are the user\'s choice');
  assert.equal(trayModel({ ...base, fleet: null }).icon, 'ok');
  assert.equal(trayModel({ ...base, ticker: null, fleet: { ...quiet, algosErrored: 1 } }).icon, 'down');
});

const hub = { id: '9f2c4b7a1e0d3c58', name: 'laptop', status: 'online' as const, hub: true, tasks: { total: 3, running: 2, errored: 0 } };
const mumbai = { id: '0a61e3d2c9b84f17', name: 'ec2-mumbai', status: 'online' as const, hub: false, tasks: { total: 2, running: 1, errored: 1 } };
const frankfurt = { id: '5d0c9e2a71b3f846', name: 'ec2-frankfurt', status: 'offline' as const, hub: false, tasks: { total: 4, running: 4, errored: 0 } };

test('fleetSummary counts the online agents\' algos and this computer\'s running ones', () => {
  assert.deepEqual(fleetSummary([hub, mumbai, frankfurt]), { agentsOnline: 2, agentsTotal: 3, algosRunning: 3, algosTotal: 5, algosErrored: 1, localRunning: 2 });
  assert.deepEqual(fleetSummary([hub]), { agentsOnline: 1, agentsTotal: 1, algosRunning: 2, algosTotal: 3, algosErrored: 0, localRunning: 2 });
  assert.deepEqual(fleetSummary([{ ...hub, hub: false }]), { agentsOnline: 1, agentsTotal: 1, algosRunning: 2, algosTotal: 3, algosErrored: 0, localRunning: 2 }, 'not a hub: the list is itself');
  assert.equal(fleetSummary([mumbai, hub]).localRunning, 2, 'the hub\'s entry, wherever it is');
  assert.deepEqual(fleetSummary([]), { agentsOnline: 0, agentsTotal: 0, algosRunning: 0, algosTotal: 0, algosErrored: 0, localRunning: 0 });
  assert.equal(fleetLine(fleetSummary([hub, mumbai, frankfurt])), 'Algos: 3 of 5 running, 1 errored, 1 agent offline (disabled)');
});

test('start all and stop all go to every online agent through the hub', () => {
  assert.deepEqual(fleetCommandTargets([hub, mumbai, frankfurt], 'start'), [
    { id: hub.id, name: 'laptop', path: '/api/v1/agents/9f2c4b7a1e0d3c58/tasks/start-all' },
    { id: mumbai.id, name: 'ec2-mumbai', path: '/api/v1/agents/0a61e3d2c9b84f17/tasks/start-all' },
  ]);
  assert.deepEqual(
    fleetCommandTargets([hub, { ...mumbai, tasks: { total: 1, running: 0, errored: 0 } }], 'stop').map((target) => target.path),
    ['/api/v1/agents/9f2c4b7a1e0d3c58/tasks/stop-all', '/api/v1/agents/0a61e3d2c9b84f17/tasks/stop-all'],
    'an agent with none running is asked too (algos waiting to restart stop)',
  );
  assert.deepEqual(fleetCommandTargets([frankfurt], 'stop'), []);
});

test('stop all asks first, naming how many algos on how many agents and who is not reached', () => {
  assert.equal(
    stopAllQuestion([hub, mumbai, { ...frankfurt, status: 'online' }]),
    'Stop 7 algos on 3 agents? Each is given its grace period to end (about 10 s) and stays stopped until started again.',
  );
  assert.equal(
    stopAllQuestion([hub, mumbai, frankfurt, { ...frankfurt, id: 'b', name: 'pi' }]),
    'Stop 3 algos on 2 agents? Each is given its grace period to end (about 10 s) and stays stopped until started again. ec2-frankfurt, pi are offline and not reached.',
  );
  assert.match(stopAllQuestion([{ ...hub, tasks: { total: 1, running: 1, errored: 0 } }, frankfurt]) ?? '', /^Stop 1 algo on this computer\? .* ec2-frankfurt is offline and not reached\.$/);
  assert.match(stopAllQuestion([{ ...hub, tasks: { total: 3, running: 0, errored: 0 } }, mumbai]) ?? '', /^Stop 1 algo on ec2-mumbai\? /);
  assert.equal(stopAllQuestion([{ ...hub, tasks: { total: 3, running: 0, errored: 1 } }, frankfurt]), null, 'nothing runs where it can be reached');
});

test('a notification names the agents that refused', () => {
  assert.equal(fleetCommandNotice('start', [{ name: 'laptop', ok: true, message: null }]), null);
  assert.equal(fleetCommandNotice('stop', []), null);
  assert.deepEqual(
    fleetCommandNotice('stop', [
      { name: 'laptop', ok: true, message: null },
      { name: 'ec2-mumbai', ok: false, message: 'ec2-mumbai is offline.' },
    ]),
    { title: 'Some algos did not stop', body: 'ec2-mumbai: ec2-mumbai is offline.' },
  );
  assert.deepEqual(
    fleetCommandNotice('start', [
      { name: 'laptop', ok: false, message: 'The session has no control scope.' },
      { name: 'pi', ok: false, message: null },
    ]),
    { title: 'The algos did not start', body: 'laptop: The session has no control scope.\npi: no answer' },
  );
});

const algo = (id: string, name: string, state: TrayAlgo['state'], openPositions = 0): TrayAlgo => ({ id, name, state, stopTimeoutSeconds: 10, openPositions });
const submenuOf = (input: TrayInput) => {
  const item = trayModel(input).menu.find((entry) => entry.type === 'submenu');
  assert.ok(item && item.type === 'submenu', 'the algos submenu');
  return item;
};

test('the algos submenu lists this computer\'s algos: checked while running, errored ones marked, each clicking to start or stop it', () => {
  const algos = [algo('t1', 'breakout', 'stopped'), algo('t2', 'ma-crossover', 'running', 2), algo('t3', 'pair-a', 'errored'), algo('t4', 'pair-b', 'waiting'), algo('t5', 'scalper', 'stopping')];
  const submenu = submenuOf({ ...base, algos });
  assert.equal(submenu.label, 'Algos on this computer (1 of 5 running)');
  assert.equal(submenu.enabled, true);
  assert.deepEqual(submenu.submenu.map(label), ['breakout [ ]', 'ma-crossover [x]', 'pair-a — errored [ ]', 'pair-b — restarting [x]', 'scalper — stopping… (disabled) [ ]']);
  assert.deepEqual(
    submenu.submenu.map((item) => (item.type === 'separator' ? null : item.action)),
    [
      { kind: 'start-algo', taskId: 't1' },
      { kind: 'stop-algo', taskId: 't2' },
      { kind: 'start-algo', taskId: 't3' },
      { kind: 'stop-algo', taskId: 't4' },
      { kind: 'start-algo', taskId: 't5' },
    ],
    'a stopped or errored one starts; a running one, or one waiting to restart, stops',
  );
  // Its place: under the fleet's start and stop.
  const lines = labels({ ...base, algos });
  assert.equal(lines[lines.indexOf('Stop all algos…') + 1], 'Algos on this computer (1 of 5 running) ▸');
});

test('a start or stop under way disables its algo and says so; none, or an agent not answering, is one disabled line', () => {
  const algos = [algo('t1', 'breakout', 'stopped'), algo('t2', 'ma-crossover', 'running')];
  assert.deepEqual(algosSubmenu(algos, { t1: 'start', t2: 'stop' }).map(label), ['breakout — starting… (disabled) [x]', 'ma-crossover — stopping… (disabled) [ ]']);
  assert.deepEqual(algosSubmenu(algos, { t1: 'start' }).map(label), ['breakout — starting… (disabled) [x]', 'ma-crossover [x]'], 'the other stays free');
  assert.deepEqual(submenuOf({ ...base, algos: [] }).submenu.map(label), ['No algos on this computer (disabled)']);
  assert.equal(submenuOf({ ...base, algos: [] }).label, 'Algos on this computer');
  assert.deepEqual(submenuOf({ ...base, algos: null }).submenu.map(label), ['Algos unknown: the agent is not answering (disabled)']);
});

test('the tray\'s algos come from the embedded agent\'s tasks, by name, with their open positions; stopping one asks first, naming them', () => {
  const tasks = [
    { id: 'b', name: 'scalper', state: 'running' as const, stopTimeoutSeconds: 5 },
    { id: 'a', name: 'breakout', state: 'stopped' as const, stopTimeoutSeconds: 10 },
  ];
  const risk = { algos: { scalper: { openPositions: 3 } } } as never;
  const algos = trayAlgos(tasks, risk);
  assert.deepEqual(algos, [
    { id: 'a', name: 'breakout', state: 'stopped', stopTimeoutSeconds: 10, openPositions: 0 },
    { id: 'b', name: 'scalper', state: 'running', stopTimeoutSeconds: 5, openPositions: 3 },
  ]);
  assert.deepEqual(trayAlgos(tasks, null).map((entry) => entry.openPositions), [0, 0], 'risk unknown: none counted');
  assert.equal(stopAlgoQuestion(algos[1]!), 'Stop scalper on this computer? It is given 5 s to end and stays stopped until started again. Its 3 open positions stay open.');
  assert.equal(stopAlgoQuestion({ ...algos[1]!, openPositions: 1 }), 'Stop scalper on this computer? It is given 5 s to end and stays stopped until started again. Its 1 open position stays open.');
  assert.equal(stopAlgoQuestion(algos[0]!), 'Stop breakout on this computer? It is given 10 s to end and stays stopped until started again.');
  assert.equal(algoCommandPath({ kind: 'start-algo', taskId: 'a1b2c3' }), '/api/v1/tasks/a1b2c3/start');
  assert.equal(algoCommandPath({ kind: 'stop-algo', taskId: 'a1b2c3' }), '/api/v1/tasks/a1b2c3/stop');
});
