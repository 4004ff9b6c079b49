import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setAlgoStateInput } from '../../../shared/contract/algo-state-schemas';
import { api } from '../../../shared/contract/api';
import { listInstrumentsInput, queryInstrumentListSchema, setWorkersInput, subscribeInput } from '../../../shared/contract/schemas';
import { DEFAULT_TOPIC, parseClientMessage, topics } from '../../../shared/contract/stream';
import { ApiError } from '../../../shared/errors';

const parse = (raw: unknown) => parseClientMessage(raw, topics, DEFAULT_TOPIC);

test('query instrument lists: commas, repeated keys, spaces inside ids', () => {
  assert.deepEqual(queryInstrumentListSchema.parse('NSE:INFY,NSE:NIFTY 50'), ['NSE:INFY', 'NSE:NIFTY 50']);
  assert.deepEqual(queryInstrumentListSchema.parse(['NSE:INFY', 'NSE:TCS,NSE:SBIN']), ['NSE:INFY', 'NSE:TCS', 'NSE:SBIN']);
  assert.deepEqual(queryInstrumentListSchema.parse(' NSE:INFY , ,NSE:TCS,'), ['NSE:INFY', 'NSE:TCS']);
  for (const bad of ['', ',,,', 'INFY', 'NSE:INFY,TCS', 42, null, { a: 1 }, ['NSE:INFY', 7]]) {
    assert.equal(queryInstrumentListSchema.safeParse(bad).success, false, JSON.stringify(bad));
  }
  const many = Array.from({ length: 10_001 }, (_, i) => `NSE:S${i}`).join(',');
  assert.equal(queryInstrumentListSchema.safeParse(many).success, false, 'more than 10,000 ids');
});

test('request bodies are strict about types and unknown fields', () => {
  assert.deepEqual(subscribeInput.parse({ instruments: ['NSE:INFY'] }), { instruments: ['NSE:INFY'] });
  for (const bad of [{}, { instruments: [] }, { instruments: ['NSE:INFY'], mode: 'FULL' }, { instruments: ['NSE:INFY'], extra: 1 }, { instruments: 'NSE:INFY' }]) {
    assert.equal(subscribeInput.safeParse(bad).success, false, JSON.stringify(bad));
  }
  for (const bad of [{ count: 0 }, { count: 17 }, { count: 1.5 }, { count: '2' }, { count: null }, {}]) {
    assert.equal(setWorkersInput.safeParse(bad).success, false, JSON.stringify(bad));
  }
  assert.deepEqual(listInstrumentsInput.parse({ limit: '7' }), { limit: 7 });
  assert.equal(listInstrumentsInput.parse({}).limit, 50);
  for (const bad of [{ limit: '0' }, { limit: '1e9' }, { limit: 'x' }, { search: 'x'.repeat(65) }]) {
    assert.equal(listInstrumentsInput.safeParse(bad).success, false, JSON.stringify(bad));
  }
});

test('stream messages: exactly one of instruments or all; no topic means ticks', () => {
  assert.deepEqual(parse({ type: 'subscribe', all: true }), { type: 'subscribe', topic: 'ticks', selection: { all: true } });
  assert.deepEqual(parse({ type: 'unsubscribe', topic: 'ticks', instruments: ['NSE:INFY'], id: 'x' }), {
    type: 'unsubscribe',
    topic: 'ticks',
    id: 'x',
    selection: { instruments: ['NSE:INFY'] },
  });
  assert.deepEqual(parse({ type: 'ping', id: 'p' }), { type: 'ping', id: 'p' });
  for (const bad of [
    { type: 'subscribe' },
    { type: 'subscribe', all: true, instruments: ['NSE:INFY'] },
    { type: 'subscribe', all: false },
    { type: 'subscribe', instruments: ['NSE:INFY'], topic: 'no-such-topic' },
    { type: 'subscribe', instruments: ['NSE:INFY'], topic: '__proto__' },
    { type: 'subscribe', instruments: ['NSE:INFY'], topic: 'toString' },
    { type: 'subscribe', instruments: ['NSE:INFY'], topic: 7 },
    { type: 'subscribe', instruments: ['NSE:INFY'], extra: 1 },
    { type: 'ping', id: 'x'.repeat(65) },
    { type: 'ping', instruments: ['NSE:INFY'] },
    { type: 'PING' },
    [],
    null,
    'subscribe',
  ]) {
    assert.throws(() => parse(bad), (error: unknown) => error instanceof ApiError && error.code === 'invalid_request', JSON.stringify(bad));
  }
  assert.throws(() => parse({ type: 'subscribe', topic: 'no-such-topic', all: true }), (error: ApiError) => error.field === 'topic');
});

test('every method has a unique route under /api/v1; only health, the sign-in and the broker login redirect are public', () => {
  const routes = Object.values(api).map((m) => `${m.method} ${m.path}`);
  assert.equal(new Set(routes).size, routes.length);
  assert.ok(Object.values(api).every((m) => m.path.startsWith('/api/v1/')));
  assert.deepEqual(Object.entries(api).filter(([, m]) => m.scope === 'public').map(([name]) => name), ['health', 'signIn', 'kiteLoginCallback']);
  // Changing the ticker, the broker session, the instruments, the watchlists and the tasks, and
  // reading the audit log, is control; reading market data is open to any token.
  assert.deepEqual(
    Object.entries(api).filter(([, m]) => m.scope === 'control').map(([name]) => name),
    [
      'setPassword', 'subscribe', 'unsubscribe', 'setWorkers', 'stopTicker', 'startTicker', 'getBrokerLoginUrl', 'createBrokerSession', 'deleteBrokerSession', 'refreshInstruments',
      'createWatchlist', 'updateWatchlist', 'deleteWatchlist', 'createTask', 'uploadTask', 'startAllTasks', 'stopAllTasks', 'deleteTask', 'forgetAgent', 'getAudit',
      'setRiskLimits', 'setKillSwitch', 'setTradingState',
    ],
  );
  // A task's token acts on its own task: every method about one task names it (orders are kept
  // to the task's own algo by their handlers).
  for (const [name, m] of Object.entries(api).filter(([, m]) => m.scope === 'task' && m.path.includes('/tasks/:id'))) {
    assert.equal(m.taskParam, 'id', `${name} names its task`);
  }
  // What a task's token may do: its own task, its own algo's orders, positions and state.
  assert.deepEqual(
    Object.entries(api).filter(([, m]) => m.scope === 'task').map(([name]) => name),
    ['listTasks', 'getTask', 'startTask', 'stopTask', 'restartTask', 'getTaskLogs', 'placeOrder', 'listOrders', 'cancelOrder', 'getPositions', 'getAlgoState', 'setAlgoState', 'listTaskRuns'],
  );
  // The machine's and the fleet's state are not a task's to read.
  assert.deepEqual(Object.entries(api).filter(([, m]) => m.scope === 'observe').map(([name]) => name), ['getSystem', 'listAgents', 'getFleet']);
  // The broker's secret and the fleet's join tokens are the owner's alone.
  assert.deepEqual(Object.entries(api).filter(([, m]) => m.scope === 'owner').map(([name]) => name), ['setBrokerCredentials', 'createJoinToken', 'revokeJoinTokens']);
});

test('algo state changes: an object of keys to JSON values, each refused with its field', () => {
  assert.deepEqual(setAlgoStateInput.parse({ algo: 'ma', values: { count: 8, old: null, pos: { qty: 3 } } }).values, [
    { key: 'count', json: '8' },
    { key: 'old', json: null },
    { key: 'pos', json: '{"qty":3}' },
  ]);
  // A key like `__proto__` is a key like any other (JSON.parse makes it an own property).
  assert.deepEqual(setAlgoStateInput.parse({ algo: 'ma', values: JSON.parse('{"__proto__":1}') }).values, [{ key: '__proto__', json: '1' }]);
  const fieldOf = (raw: unknown) => {
    const parsed = setAlgoStateInput.safeParse(raw);
    assert.equal(parsed.success, false, JSON.stringify(raw).slice(0, 80));
    return parsed.error!.issues[0]!.path.join('.');
  };
  assert.equal(fieldOf({ algo: 'ma', values: { ['k'.repeat(129)]: 1 } }), `values.${'k'.repeat(129)}`);
  assert.equal(fieldOf({ algo: 'ma', values: { '': 1 } }), 'values.', 'the empty key (the API error names `values`)');
  assert.equal(fieldOf({ algo: 'ma', values: { count: 'é'.repeat(33_000) } }), 'values.count', 'bytes, not characters');
  assert.equal(fieldOf({ algo: 'ma', values: Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`k${i}`, i])) }), 'values');
  for (const values of [[1], 'x', null, 7, undefined]) assert.equal(fieldOf({ algo: 'ma', values }), 'values');
  assert.equal(fieldOf({ algo: 'a/b', values: {} }), 'algo');
  assert.equal(fieldOf({ algo: 'x'.repeat(65), values: {} }), 'algo');
  assert.equal(setAlgoStateInput.safeParse({ algo: 'ma', values: { k: 'x'.repeat(60_000) } }).success, true);
});

test('ticks and candles subscribes may ask to carry; ticks name a mode; never with all', () => {
  const selection = (raw: unknown) => {
    const message = parse(raw);
    assert.notEqual(message.type, 'ping');
    return (message as { selection: unknown }).selection;
  };
  assert.deepEqual(selection({ type: 'subscribe', instruments: ['NSE:INFY'], carry: true, mode: 'full' }), { instruments: ['NSE:INFY'], carry: true, mode: 'full' });
  assert.deepEqual(selection({ type: 'subscribe', topic: 'candles', series: [{ instrument: 'NSE:INFY', interval: 'minute' }], carry: true }), {
    series: [{ instrument: 'NSE:INFY', interval: 'minute' }],
    carry: true,
  });
  for (const [bad, field] of [
    [{ type: 'subscribe', all: true, carry: true }, 'carry'],
    [{ type: 'subscribe', instruments: ['NSE:INFY'], carry: 'yes' }, 'carry'],
    [{ type: 'subscribe', instruments: ['NSE:INFY'], carry: true, mode: 'FULL' }, 'mode'],
    [{ type: 'subscribe', topic: 'candles', series: [{ instrument: 'NSE:INFY', interval: 'minute' }], mode: 'full' }, 'mode'],
  ] as const) {
    assert.throws(() => parse(bad), (error: unknown) => error instanceof ApiError && error.code === 'invalid_request' && error.field === field, JSON.stringify(bad));
  }
});
