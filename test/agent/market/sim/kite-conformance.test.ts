/**
 * Conformance: the official `kiteconnect` KiteTicker and our own decoder, both connected to the
 * simulated market, must read the same ticks identically. This checks the sim's protocol (the
 * official client accepts it) and our DataView decoder (it agrees with the reference).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KiteTicker } from 'kiteconnect';
import WebSocket from 'ws';
import { startSimTickerServer } from '../../../../agent/market/sim/sim-ticker-server';
import { buildUniverse } from '../../../../agent/market/sim/universe';
import { decodePacket } from '../../../../shared/kite-packet';
import { NOT_A_KITE_FRAME, walkKiteFrame } from '../../../../shared/kite-frame';
import type { Tick, TickMode } from '../../../../shared/tick';
import { sleep } from '../../../helpers/wait';

const MODES: Record<number, TickMode> = {
  408065: 'full', // NSE:INFY
  2953217: 'quote', // NSE:TCS
  738561: 'ltp', // NSE:RELIANCE
  256265: 'full', // NSE:NIFTY 50
  260105: 'quote', // NSE:NIFTY BANK
};
const TOKENS = Object.keys(MODES).map(Number);

interface OfficialTick {
  instrument_token: number;
  mode: string;
  tradable: boolean;
  last_price: number;
  last_traded_quantity?: number;
  average_traded_price?: number;
  volume_traded?: number;
  total_buy_quantity?: number;
  total_sell_quantity?: number;
  ohlc?: { open: number; high: number; low: number; close: number };
  change?: number;
  last_trade_time?: Date | null;
  exchange_timestamp?: Date | null;
  oi?: number;
  oi_day_high?: number;
  oi_day_low?: number;
  depth?: { buy: Array<{ quantity: number; price: number; orders: number }>; sell: Array<{ quantity: number; price: number; orders: number }> };
}

/** Our Tick in the official client's vocabulary, for a field-by-field comparison. */
function asOfficial(tick: Tick): OfficialTick {
  const out: OfficialTick = { instrument_token: tick.token, mode: tick.mode, tradable: tick.tradable, last_price: tick.lastPrice };
  if (tick.mode === 'ltp') return out;
  out.ohlc = tick.ohlc!;
  out.change = tick.change!;
  if (tick.tradable) {
    Object.assign(out, {
      last_traded_quantity: tick.lastQuantity,
      average_traded_price: tick.averagePrice,
      volume_traded: tick.volume,
      total_buy_quantity: tick.totalBuyQuantity,
      total_sell_quantity: tick.totalSellQuantity,
    });
  }
  if (tick.mode === 'full') {
    out.exchange_timestamp = new Date(tick.timestamp);
    if (tick.tradable) {
      Object.assign(out, {
        last_trade_time: tick.lastTradeTime ? new Date(tick.lastTradeTime) : null,
        oi: tick.oi,
        oi_day_high: tick.oiDayHigh,
        oi_day_low: tick.oiDayLow,
        depth: tick.depth,
      });
    }
  }
  return out;
}

/** Ticks of one market event are identical on every connection: match on what identifies one. */
const key = (t: OfficialTick) => `${t.instrument_token}|${t.last_price}|${t.volume_traded ?? ''}|${t.ohlc?.high ?? ''}|${t.ohlc?.low ?? ''}|${t.exchange_timestamp?.getTime() ?? ''}`;

test('the official KiteTicker and our decoder read the simulated market identically', async (t) => {
  const server = await startSimTickerServer({
    universe: buildUniverse({ generated: 0 }),
    apiKey: 'conformance',
    accessToken: 'conformance-token',
    ticksPerSecond: 20,
  });
  t.after(() => server.close());

  const ours = new Map<string, OfficialTick>();
  const ws = new WebSocket(`${server.url}/?api_key=conformance&access_token=conformance-token`, { perMessageDeflate: false });
  t.after(() => ws.terminate());
  ws.on('message', (data: Buffer, isBinary) => {
    if (!isBinary || data.length < 2) return;
    const count = walkKiteFrame(data, {
      packet: (view, offset, length) => {
        const tick = asOfficial(decodePacket(view, offset, length, 'X:Y', Date.now()));
        ours.set(key(tick), tick);
      },
    });
    assert.notEqual(count, NOT_A_KITE_FRAME);
  });
  await new Promise((resolve) => ws.once('open', resolve));
  ws.send(JSON.stringify({ a: 'subscribe', v: TOKENS }));
  for (const mode of ['ltp', 'quote', 'full'] as const) {
    ws.send(JSON.stringify({ a: 'mode', v: [mode, TOKENS.filter((token) => MODES[token] === mode)] }));
  }

  const theirs: OfficialTick[] = [];
  // The official client's typings lack `root`; auto-reconnect off so disconnect() cannot exit the process.
  const ticker = new KiteTicker({ api_key: 'conformance', access_token: 'conformance-token', root: `${server.url}/`, reconnect: false } as never);
  t.after(() => ticker.disconnect());
  ticker.on('ticks', (ticks: OfficialTick[]) => theirs.push(...ticks));
  ticker.on('connect', () => {
    ticker.subscribe(TOKENS);
    for (const mode of ['ltp', 'quote', 'full'] as const) {
      ticker.setMode(mode, TOKENS.filter((token) => MODES[token] === mode));
    }
  });
  ticker.connect();
  await sleep(2500);

  const matched = new Map<string, number>();
  for (const official of theirs) {
    if (official.mode !== MODES[official.instrument_token]) continue; // before its mode change
    const mine = ours.get(key(official));
    if (!mine) continue;
    assert.deepEqual(mine, JSON.parse(JSON.stringify(official), (k, v) => (k.endsWith('_time') || k === 'exchange_timestamp') && v ? new Date(v) : v));
    const label = `${official.instrument_token}:${official.mode}`;
    matched.set(label, (matched.get(label) ?? 0) + 1);
  }
  for (const token of TOKENS) {
    const label = `${token}:${MODES[token]}`;
    assert.ok((matched.get(label) ?? 0) >= 10, `only ${matched.get(label) ?? 0} ticks of ${label} matched (official saw ${theirs.filter((x) => x.instrument_token === token).length})`);
  }
});
