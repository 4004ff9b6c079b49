import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRateLimited, kiteFailure, toApiError } from '../../../agent/broker/kite/kite-errors';
import { toInstrument, toInstruments, toInstrumentsInSteps } from '../../../agent/broker/kite/kite-instruments';
import { toTick } from '../../../agent/broker/kite/kite-quotes';
import { fromClientDate } from '../../../agent/broker/kite/kite-time';
import { NSE_EQUITY_SESSION } from '../../../shared/market-session';

const row = (over: Record<string, unknown> = {}) => ({
  instrument_token: '408065',
  exchange_token: '1594',
  tradingsymbol: 'INFY',
  name: 'INFOSYS',
  last_price: 0,
  expiry: '',
  strike: 0,
  tick_size: 0.05,
  lot_size: 1,
  instrument_type: 'EQ',
  segment: 'NSE',
  exchange: 'NSE',
  ...over,
});

test("Kite's rows become instruments keyed EXCHANGE:TRADINGSYMBOL, with sessions, expiries and strikes", () => {
  assert.deepEqual(toInstrument(row()), {
    id: 'NSE:INFY',
    token: 408065,
    exchange: 'NSE',
    tradingsymbol: 'INFY',
    name: 'INFOSYS',
    segment: 'NSE',
    instrumentType: 'EQ',
    tickSize: 0.05,
    lotSize: 1,
    tradable: true,
    session: NSE_EQUITY_SESSION,
  });
  // The official client makes the expiry a Date at UTC midnight.
  const option = toInstrument(
    row({ tradingsymbol: 'NIFTY26DEC24000CE', exchange: 'NFO', segment: 'NFO-OPT', instrument_type: 'CE', expiry: new Date('2026-12-29'), strike: 24000, lot_size: 75 }),
  );
  assert.ok(typeof option !== 'string');
  assert.equal(option.expiry, '2026-12-29');
  assert.equal(option.strike, 24000);
  const index = toInstrument(row({ instrument_token: 256265, tradingsymbol: 'NIFTY 50', segment: 'INDICES', instrument_type: 'EQ', tick_size: 0 }));
  assert.match(String(index), /bad tick_size/, 'a zero tick size is refused, not divided by');
  const gold = toInstrument(row({ instrument_token: 53505543, exchange: 'MCX', segment: 'MCX-FUT', tradingsymbol: 'GOLD26FEBFUT', instrument_type: 'FUT' }));
  assert.ok(typeof gold !== 'string');
  assert.deepEqual([gold.session.openMinute, gold.session.closeMinute], [9 * 60, 23 * 60 + 30]);
});

test('unreadable rows and second listings are dropped and counted, never guessed at', () => {
  const { instruments, dropped, reasons } = toInstruments([
    row(),
    row({ instrument_token: 'x' }),
    row({ tradingsymbol: '' }),
    row({ exchange: 'nse lower' }),
    row({ lot_size: -1, tradingsymbol: 'TCS', instrument_token: 2953217 }),
    row({ instrument_token: 999 }), // NSE:INFY again
    row({ tradingsymbol: 'INFY2' }), // token 408065 again
    null,
    'text',
    row({ tradingsymbol: 'TCS', instrument_token: 2953217 }),
  ]);
  assert.deepEqual(instruments.map((i) => i.id), ['NSE:INFY', 'NSE:TCS']);
  assert.equal(dropped, 8);
  assert.equal(reasons.length, 5);
  assert.match(reasons[0]!, /^row 2: bad instrument_token x/);
});

test('the conversion in steps pauses between them and gives the same list', async () => {
  const rows = Array.from({ length: 12_000 }, (_, i) => row({ instrument_token: String((100 + i) * 256 + 1), tradingsymbol: `S${i}` }));
  let pauses = 0;
  const stepped = await toInstrumentsInSteps([...rows, { instrument_token: '' }], async () => void pauses++);
  assert.ok(pauses >= 2);
  assert.deepEqual(stepped, toInstruments([...rows, { instrument_token: '' }]));
  assert.equal(stepped.instruments.length, 12_000);
  assert.equal(stepped.dropped, 0, 'the empty last row of the CSV is no row');
});

test("Kite's errors become codes a user can act on", () => {
  const cases: Array<[unknown, string, number]> = [
    [{ error_type: 'TokenException', message: 'Incorrect `api_key` or `access_token`.' }, 'broker_login_required', 409],
    [{ error_type: 'InputException', message: 'interval exceeds max limit: 60 days' }, 'broker_rejected', 422],
    [{ error_type: 'NetworkException', message: 'Too many requests' }, 'broker_rate_limited', 429],
    [{ error_type: 'NetworkException', message: 'No response from server with error code: ECONNREFUSED' }, 'provider_unavailable', 503],
    [{ error_type: 'GeneralException', message: 'Internal server error' }, 'provider_unavailable', 503],
    [{ error_type: 'SomethingNewException', message: 'eh' }, 'provider_unavailable', 503],
    [new Error('socket hang up'), 'provider_unavailable', 503],
    ['weird', 'provider_unavailable', 503],
  ];
  for (const [error, code, status] of cases) {
    const apiError = toApiError(kiteFailure(error), 'the quote of NSE:INFY');
    assert.equal(apiError.code, code, JSON.stringify(error));
    assert.equal(apiError.status, status);
    assert.match(apiError.message, /^Kite refused the quote of NSE:INFY: /);
  }
  assert.match(toApiError(kiteFailure(cases[0]![0]), 'x').message, /Log in to Kite again/);
  assert.equal(isRateLimited(kiteFailure({ error_type: 'NetworkException', message: 'Too many requests' })), true);
});

test("the official client's zone-less Dates are read back as IST in any time zone", () => {
  const saved = process.env.TZ;
  try {
    for (const zone of ['Asia/Kolkata', 'UTC', 'America/New_York']) {
      process.env.TZ = zone;
      // What the client does with Kite's "2026-12-01 09:15:30": a Date in the process's zone.
      const clientDate = new Date('2026-12-01 09:15:30');
      assert.equal(new Date(fromClientDate(clientDate)!).toISOString(), '2026-12-01T03:45:30.000Z', zone);
      assert.equal(fromClientDate('2026-12-01 09:15:30'), Date.parse('2026-12-01T03:45:30Z'));
      assert.equal(fromClientDate(new Date(Number.NaN)), undefined);
      const tick = toTick(
        { id: 'NSE:INFY', token: 408065, tradable: true } as never,
        { last_price: 1500.5, ohlc: { open: 1490, high: 1510, low: 1480, close: 1480 }, timestamp: clientDate, last_trade_time: clientDate, depth: { buy: [{ price: 1500, quantity: 10, orders: 2 }], sell: 'junk' } },
        1,
      )!;
      assert.equal(tick.timestamp, '2026-12-01T03:45:30.000Z');
      assert.equal(tick.change, ((1500.5 - 1480) * 100) / 1480);
      assert.deepEqual(tick.depth, { buy: [{ price: 1500, quantity: 10, orders: 2 }], sell: [] });
    }
  } finally {
    process.env.TZ = saved;
  }
  assert.equal(toTick({ id: 'NSE:INFY' } as never, { last_price: 'x' }, 1), undefined, 'a quote with no price is no quote');
});
