import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InstrumentListing } from '../../../../agent/market/sim/instrument-listing';
import { PriceProcess } from '../../../../agent/market/sim/price-process';
import { buildUniverse, type SimInstrument } from '../../../../agent/market/sim/universe';

const universe = buildUniverse();
const INFY = universe.find((i) => i.id === 'NSE:INFY')!;
const FUTURE = { exchange: 'NFO', tradingsymbol: 'NIFTY25DECFUT', token: 13_238_274, name: 'NIFTY', segment: 'NFO-FUT', instrumentType: 'FUT', lotSize: 75, expiry: '2025-12-30', basePrice: 26_100 };

function listing(extraSlots?: number) {
  const made: Array<{ id: string; initial: boolean }> = [];
  const make = (instrument: SimInstrument, initial: boolean) => {
    made.push({ id: instrument.id, initial });
    return new PriceProcess(instrument, 7);
  };
  return { listing: new InstrumentListing(universe, make, extraSlots), made };
}

test('the universe is listed at start, each instrument in its own slot with its own market', () => {
  const { listing: l, made } = listing();
  assert.equal(l.size, universe.length);
  assert.equal(l.capacity, universe.length + 64);
  assert.deepEqual(l.listed().map((i) => i.id), universe.map((i) => i.id));
  const slot = l.slotOfListedId('NSE:INFY')!;
  assert.equal(l.slotOfListedToken(INFY.token), slot);
  assert.equal(l.process(slot).token, INFY.token);
  assert.deepEqual(l.instrument(slot), { expiry: '', strike: 0, ...INFY });
  assert.ok(made.every((m) => m.initial) && made.length === universe.length);
});

test('a delisted instrument leaves the listing; its token can be listed again for a new contract', () => {
  const { listing: l, made } = listing();
  const first = l.list(FUTURE);
  assert.equal(first.slot, universe.length);
  assert.deepEqual(
    { ...first.instrument, session: undefined },
    {
      id: 'NFO:NIFTY25DECFUT', exchange: 'NFO', tradingsymbol: 'NIFTY25DECFUT', token: 13_238_274, name: 'NIFTY', segment: 'NFO-FUT',
      instrumentType: 'FUT', tickSize: 0.05, lotSize: 75, expiry: '2025-12-30', strike: 0, basePrice: 26_100, annualVolatility: 0.25,
      dailyVolume: 1_000_000, tradable: true, session: undefined,
    },
  );
  assert.deepEqual(made.at(-1), { id: 'NFO:NIFTY25DECFUT', initial: false });
  assert.deepEqual(l.delist(['NFO:NIFTY25DECFUT', 'NSE:NOPE', 'NFO:NIFTY25DECFUT']), ['NFO:NIFTY25DECFUT']);
  assert.equal(l.slotOfListedToken(FUTURE.token), undefined);
  assert.equal(l.slotOfListedId('NFO:NIFTY25DECFUT'), undefined);
  assert.equal(l.slotOfAnyToken(FUTURE.token), first.slot);
  assert.ok(!l.listed().some((i) => i.token === FUTURE.token));
  const oldProcess = l.process(first.slot);
  const next = l.list({ ...FUTURE, tradingsymbol: 'NIFTY26JANFUT', expiry: '2026-01-27' });
  assert.equal(next.slot, first.slot, 'the reused token keeps its slot');
  assert.equal(l.slotOfListedToken(FUTURE.token), first.slot);
  assert.equal(l.instrument(first.slot).tradingsymbol, 'NIFTY26JANFUT');
  assert.notEqual(l.process(first.slot), oldProcess, 'the new contract has a market of its own');
  assert.equal(l.size, universe.length + 1);
});

test('listing refuses clashes, bad instruments and a full table, and lists nothing then', () => {
  const { listing: l } = listing(1);
  const refusals: Array<[unknown, RegExp]> = [
    [{ ...FUTURE, token: INFY.token }, /token 408065 is listed as NSE:INFY/],
    [{ ...FUTURE, exchange: 'NSE', tradingsymbol: 'INFY' }, /NSE:INFY is already listed/],
    [{ ...FUTURE, exchange: 'nfo' }, /instrument\.exchange/],
    [{ ...FUTURE, token: 0 }, /instrument\.token/],
    [{ ...FUTURE, token: 2 ** 31 }, /instrument\.token/],
    [{ ...FUTURE, token: 1.5 }, /instrument\.token/],
    [{ ...FUTURE, tradingsymbol: '' }, /instrument\.tradingsymbol/],
    [{ ...FUTURE, tradingsymbol: 'A:B' }, /not an instrument id/],
    [{ ...FUTURE, expiry: '2025-13-01' }, /instrument\.expiry/],
    [{ ...FUTURE, tickSize: 0 }, /instrument\.tickSize/],
    [{ ...FUTURE, surprise: true }, /instrument/],
    [null, /instrument/],
  ];
  for (const [input, message] of refusals) assert.throws(() => l.list(input as never), message, JSON.stringify(input));
  assert.equal(l.size, universe.length);
  l.list(FUTURE);
  assert.throws(() => l.list({ ...FUTURE, tradingsymbol: 'OTHER', token: 99_999_990 }), /the table holds/);
  l.delist(['NFO:NIFTY25DECFUT']);
  assert.equal(l.list({ ...FUTURE, tradingsymbol: 'NIFTY26JANFUT' }).slot, universe.length, 'a delisted token still fits');
});
