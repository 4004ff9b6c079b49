/**
 * The Kite order broker's pure parts: reading Kite's untrusted orders (hostile inputs), the
 * updates an order state means beyond what was reported (idempotent, never backwards), tags,
 * the decisions on an order Kite's book lacks, and the relay that passes each postback on once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CoalescedRunner } from '../../../agent/broker/kite/coalesced-runner';
import { readBook, valueOfFirst, whenNotInBook, type MissingOrder } from '../../../agent/broker/kite/kite-order-reconcile';
import { deriveUpdates, type KiteOrderUpdate, kiteTag, orderCreatedAt, placeParams, readKiteOrder, type ReportedProgress } from '../../../agent/broker/kite/kite-order-update';
import { OrderUpdateRelay } from '../../../agent/ticker/order-updates';
import { sleep } from '../../helpers/wait';

const row = { order_id: '151220000000001', status: 'OPEN', status_message: null, tag: 'o1', quantity: 10, filled_quantity: 0, average_price: 0 };

test('Kite orders are read strictly: hostile shapes are refused with the field, extra fields dropped', () => {
  assert.deepEqual(readKiteOrder({ ...row, exchange: 'NSE', meta: { x: 1 } }), {
    order: { orderId: '151220000000001', status: 'OPEN', statusMessage: null, tag: 'o1', quantity: 10, filledQuantity: 0, averagePrice: 0 },
  });
  assert.deepEqual(readKiteOrder({ ...row, tag: undefined, status_message: undefined }), { order: { orderId: row.order_id, status: 'OPEN', statusMessage: null, tag: null, quantity: 10, filledQuantity: 0, averagePrice: 0 } });
  for (const [value, field] of [
    [null, ''],
    ['COMPLETE', ''],
    [[row], ''],
    [{ ...row, order_id: 151220000000001 }, 'order_id'],
    [{ ...row, order_id: '' }, 'order_id'],
    [{ ...row, order_id: '1 OR 1=1' }, 'order_id'],
    [{ ...row, order_id: 'x'.repeat(41) }, 'order_id'],
    [{ ...row, status: '' }, 'status'],
    [{ ...row, status: 'S'.repeat(65) }, 'status'],
    [{ ...row, quantity: -1 }, 'quantity'],
    [{ ...row, quantity: 1.5 }, 'quantity'],
    [{ ...row, quantity: '10' }, 'quantity'],
    [{ ...row, filled_quantity: 11 }, 'filled_quantity'],
    [{ ...row, filled_quantity: Number.NaN }, 'filled_quantity'],
    [{ ...row, average_price: -5 }, 'average_price'],
    [{ ...row, average_price: Number.POSITIVE_INFINITY }, 'average_price'],
    [{ ...row, status_message: 42 }, 'status_message'],
    [{ ...row, tag: { evil: true } }, 'tag'],
    [{ ...row, __proto__: { polluted: 1 }, quantity: undefined }, 'quantity'],
  ] as const) {
    const read = readKiteOrder(value);
    assert.ok('problem' in read, JSON.stringify(value));
    if (field) assert.match(read.problem, new RegExp(`^${field}: `), JSON.stringify(value));
  }
});

const kite = (status: string, filled: number, average: number, extra: Partial<KiteOrderUpdate> = {}): KiteOrderUpdate => ({ orderId: 'K1', status, statusMessage: null, tag: 't', quantity: 10, filledQuantity: filled, averagePrice: average, ...extra });
const start: ReportedProgress = { open: false, filled: 0, value: 0, final: false };
const target = { id: 'o', quantity: 10, offset: 0 };

test('updates are derived from Kite\'s state against what was reported: idempotent, never backwards', () => {
  assert.deepEqual(deriveUpdates(target, start, kite('VALIDATION PENDING', 0, 0)).updates, [], 'an order id is not an acceptance');
  const open = deriveUpdates(target, start, kite('OPEN', 0, 0));
  assert.deepEqual(open.updates, [{ id: 'o', kind: 'open', brokerOrderId: 'K1' }]);
  assert.deepEqual(deriveUpdates(target, open.progress, kite('OPEN', 0, 0)).updates, [], 'the same state twice adds nothing');
  const part = deriveUpdates(target, open.progress, kite('OPEN', 4, 100));
  assert.deepEqual(part.updates, [{ id: 'o', kind: 'fill', quantity: 4, price: 100, fees: 0, remaining: 6 }]);
  assert.deepEqual(deriveUpdates(target, part.progress, kite('OPEN', 2, 100)).updates, [], 'an older state arriving late adds nothing');
  const done = deriveUpdates(target, part.progress, kite('COMPLETE', 10, 101.2));
  assert.deepEqual(done.updates, [{ id: 'o', kind: 'fill', quantity: 6, price: 102, fees: 0, remaining: 0 }], 'priced from the change in the average');
  assert.equal(done.progress.final, true);
  assert.deepEqual(deriveUpdates(target, done.progress, kite('CANCELLED', 10, 101.2)).updates, [], 'nothing after the end');
  // Straight to the end, as after a restart or a lost postback.
  assert.deepEqual(deriveUpdates(target, start, kite('COMPLETE', 10, 50)).updates.map((u) => u.kind), ['open', 'fill']);
  assert.deepEqual(deriveUpdates(target, start, kite('REJECTED', 0, 0, { statusMessage: 'Insufficient funds.' })).updates, [{ id: 'o', kind: 'rejected', message: 'Kite rejected the order: Insufficient funds.' }]);
  assert.deepEqual(deriveUpdates(target, start, kite('REJECTED', 0, 0)).updates, [{ id: 'o', kind: 'rejected', message: 'Kite rejected the order: no reason given' }]);
  assert.deepEqual(deriveUpdates(target, part.progress, kite('CANCELLED', 5, 100)).updates.map((u) => u.kind), ['fill', 'cancelled'], 'fills before the cancel');
  assert.deepEqual(deriveUpdates(target, part.progress, kite('REJECTED', 4, 100)).updates.map((u) => u.kind), ['cancelled'], 'a partly filled order cannot be rejected: what is left ends');
  assert.deepEqual(deriveUpdates(target, start, kite('TRIGGER PENDING', 0, 0)).updates.map((u) => u.kind), ['open']);
  // An order placed again for its remainder: Kite's quantity is the rest, fills count after the offset.
  const rest = { id: 'o', quantity: 10, offset: 3 };
  assert.deepEqual(deriveUpdates(rest, { ...start, open: true }, kite('COMPLETE', 7, 20, { quantity: 7 })).updates, [{ id: 'o', kind: 'fill', quantity: 7, price: 20, fees: 0, remaining: 0 }]);
  // Averages that do not add up fall back to the average itself.
  assert.equal((deriveUpdates(target, { open: true, filled: 4, value: 1e9, final: false }, kite('OPEN', 5, 10)).updates[0] as { price: number }).price, 10);
});

test('tags and ids: dashes go, the creation time comes back; anything else is refused', () => {
  assert.equal(kiteTag('o-mx68cywa-3b2a3159'), 'omx68cywa3b2a3159');
  assert.throws(() => kiteTag('o-this-id-is-far-too-long-for-kite'), /does not make a Kite tag/);
  assert.throws(() => kiteTag('o-ünï-1'), /does not make a Kite tag/);
  const now = Date.now();
  assert.equal(orderCreatedAt(`o-${now.toString(36)}-0123abcd`), now);
  for (const id of ['', 'o--0123abcd', 'x-abc-0123abcd', `o-${now.toString(36)}-0123ABCD`, `o-${now.toString(36)}`]) assert.equal(orderCreatedAt(id), undefined, id);
  assert.deepEqual(placeParams({ id: 'o', instrument: 'NSE:M&M', side: 'SELL', quantity: 5, type: 'SL-M', trigger: 3000 }, { tag: 'o1', quantity: 5, product: 'MIS', marketProtection: -1 }), {
    exchange: 'NSE', tradingsymbol: 'M&M', transaction_type: 'SELL', quantity: 5, order_type: 'SL-M', product: 'MIS', validity: 'DAY', tag: 'o1', trigger_price: 3000, market_protection: -1,
  });
  assert.deepEqual(placeParams({ id: 'o', instrument: 'NSE:INFY', side: 'BUY', quantity: 5, type: 'LIMIT', price: 1500, product: 'CNC' }, { tag: 'o1', quantity: 2, product: 'MIS', marketProtection: 2 }), {
    exchange: 'NSE', tradingsymbol: 'INFY', transaction_type: 'BUY', quantity: 2, order_type: 'LIMIT', product: 'CNC', validity: 'DAY', tag: 'o1', price: 1500,
  });
  assert.throws(() => placeParams({ id: 'o', instrument: 'INFY', side: 'BUY', quantity: 1, type: 'MARKET' }, { tag: 'o', quantity: 1, product: 'MIS', marketProtection: 2 }), /not an instrument id/);
  assert.equal(placeParams({ id: 'o', instrument: 'NSE:INFY', side: 'BUY', quantity: 5, type: 'LIMIT', price: 1500, validity: 'IOC' }, { tag: 'o1', quantity: 5, product: 'MIS', marketProtection: 2 }).validity, 'IOC', 'an IOC order is sent as one');
});

test('an order Kite\'s book lacks: wait while unsure, never place again what Kite gave an id to, place today\'s unseen ones', () => {
  const now = Date.UTC(2026, 11, 2, 6, 0); // 11:30 IST
  const yesterday = now - 86_400_000;
  const missing = (over: Partial<MissingOrder>): MissingOrder => ({ standing: 'unseen', quantity: 10, recorded: 0, cancelWanted: false, createdAt: now - 1000, unsureSince: now - 1000, ...over });
  assert.deepEqual(whenNotInBook(missing({ standing: 'unsure' }), now, 30_000), { action: 'wait' });
  assert.equal(whenNotInBook(missing({ standing: 'unsure', unsureSince: now - 30_000 }), now, 30_000).action, 'rejected');
  assert.equal(whenNotInBook(missing({ standing: 'unsure', unsureSince: now - 30_000, cancelWanted: true }), now, 30_000).action, 'cancelled');
  assert.deepEqual(whenNotInBook(missing({ standing: 'known' }), now, 30_000), { action: 'wait-missing' });
  assert.equal(whenNotInBook(missing({ standing: 'known', createdAt: yesterday }), now, 30_000).action, 'cancelled');
  assert.deepEqual(whenNotInBook(missing({}), now, 30_000), { action: 'place', offset: 0 });
  assert.deepEqual(whenNotInBook(missing({ recorded: 4 }), now, 30_000), { action: 'place', offset: 4 });
  assert.deepEqual(whenNotInBook(missing({ recorded: 10 }), now, 30_000), { action: 'done' });
  assert.equal(whenNotInBook(missing({ cancelWanted: true }), now, 30_000).action, 'cancelled');
  assert.equal(whenNotInBook(missing({ createdAt: yesterday }), now, 30_000).action, 'rejected');
  // 00:10 IST is a new day in India though still the day before in UTC.
  const justAfterIstMidnight = Date.UTC(2026, 11, 1, 18, 40);
  assert.equal(whenNotInBook(missing({ createdAt: justAfterIstMidnight - 3_600_000 }), justAfterIstMidnight, 30_000).action, 'rejected');
});

test('the book and the trades are read defensively', () => {
  assert.throws(() => readBook({ data: [] }), /not a list/);
  const { rows, problems } = readBook([row, { ...row, order_id: 5 }, null]);
  assert.deepEqual([rows.length, problems.length], [1, 2]);
  assert.equal(valueOfFirst([{ quantity: 3, average_price: 10 }, { quantity: 5, average_price: 12 }], 4), 42);
  assert.equal(valueOfFirst([{ quantity: 3, average_price: 10 }], 4), undefined, 'fewer trades than the units asked');
  assert.equal(valueOfFirst([{ quantity: -3, average_price: 10 }], 1), undefined);
  assert.equal(valueOfFirst('nope', 1), undefined);
});

test('the relay passes each update on once, whatever the number of connections; a throwing listener harms no other', () => {
  const errors: unknown[] = [];
  let now = 0;
  const relay = new OrderUpdateRelay((error) => errors.push(error), () => now);
  const heard: KiteOrderUpdate[] = [];
  relay.listen(() => {
    throw new Error('bug');
  });
  const stop = relay.listen((update) => heard.push(update));
  const update = kite('OPEN', 0, 0);
  assert.deepEqual([relay.receive(update), relay.receive({ ...update }), relay.receive({ ...update })], [true, false, false]);
  assert.equal(relay.receive(kite('OPEN', 2, 10)), true, 'a new fill is news');
  assert.equal(heard.length, 2);
  assert.equal(errors.length, 2);
  now = 61_000;
  assert.equal(relay.receive(update), true, 'forgotten after a minute');
  stop();
  relay.receive(kite('COMPLETE', 10, 10));
  assert.equal(heard.length, 3);
  for (let i = 0; i < 20_000; i++) relay.receive(kite('OPEN', 0, 0, { orderId: `K${i}` }));
  assert.equal(relay.receive(kite('OPEN', 0, 0, { orderId: 'K19999' })), false, 'the latest are still remembered');
});

test('the runner runs one job at a time, coalescing asks, and again after one that came while it ran', async () => {
  let runs = 0;
  let release: () => void = () => {};
  const runner = new CoalescedRunner(async () => {
    runs++;
    await new Promise<void>((resolve) => (release = resolve));
    return null;
  }, (error) => assert.fail(String(error)));
  runner.within(5);
  runner.within(5);
  await sleep(30);
  assert.equal(runs, 1);
  runner.within(0); // while running
  release();
  await sleep(30);
  assert.equal(runs, 2, 'the ask during the run made one more');
  release();
  runner.stop();
  runner.within(0);
  await sleep(30);
  assert.equal(runs, 2, 'stopped');
});
