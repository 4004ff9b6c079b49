/**
 * The engine against a broker we control (a Kite-protocol server in this test): malformed broker
 * data, packets in the wrong mode or for unknown tokens, stale instruments, and a restart that
 * restores the subscriptions from the data dir.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodePacket, type PacketFields } from '../../../shared/kite-packet';
import type { TickMode } from '../../../shared/tick';
import { startTestAgent, waitFor } from '../../helpers/test-agent';
import { KiteTestServer } from './kite-ws-provider-server';

const INFY = 408065;
const TCS = 2953217;

function frame(...packets: Array<[number, number, TickMode]>): Buffer {
  const bytes = Buffer.alloc(2 + packets.length * 186);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setUint16(0, packets.length);
  let at = 2;
  for (const [token, price, mode] of packets) {
    const fields: PacketFields = {
      token, lastPrice: price, lastQuantity: 1, averagePrice: price, volume: 100, totalBuyQuantity: 1, totalSellQuantity: 1,
      open: price, high: price, low: price, close: price, lastTradeTime: 1_764_000_000, oi: 0, oiDayHigh: 0, oiDayLow: 0,
      exchangeTimestamp: 1_764_000_000, depth: [],
    };
    const length = encodePacket(view, at + 2, mode, fields);
    view.setUint16(at, length);
    at += 2 + length;
  }
  return bytes.subarray(0, at);
}

test('bad broker data is dropped and counted, wrong-mode and unknown packets are ignored, silence is reported stale', async (t) => {
  const broker = await KiteTestServer.start();
  t.after(() => broker.close());
  const dataDir = mkdtempSync(join(tmpdir(), 'algodeck-feed-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const options = { dataDir, feed: { url: broker.url, apiKey: 'key', accessToken: 'token' }, staleAfterMs: 400 };
  const agent = await startTestAgent({ ...options, workers: 1 });
  t.after(() => agent.stop());

  await agent.api.call('subscribe', { instruments: ['NSE:INFY', 'NSE:TCS'], mode: 'full' });
  const connection = await waitFor('the worker to connect and subscribe', () =>
    broker.connections.find((c) => JSON.stringify(c.messages).includes(String(TCS))),
  );
  assert.equal(connection.url.searchParams.get('api_key'), 'key');
  assert.ok(connection.messages.some((m) => JSON.stringify(m) === JSON.stringify({ a: 'mode', v: ['full', [INFY, TCS]] })));
  const price = async () => (await agent.api.call('getQuotes', { instruments: ['NSE:INFY'] })).quotes['NSE:INFY']?.lastPrice;

  connection.ws.send(frame([INFY, 1500.5, 'full']));
  assert.equal(await waitFor('the first tick', price), 1500.5);
  connection.ws.send(frame([INFY, 1600, 'ltp'], [123457, 99, 'full']));
  const garbage = [Buffer.from([0, 5, 1, 2, 3]), frame([INFY, 1700, 'full']).subarray(0, 100), Buffer.from([0, 1, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9])];
  for (const bytes of garbage) connection.ws.send(bytes);
  connection.ws.send('{"type":"error","data":"Something the broker did not like"}');
  connection.ws.send('not even json');
  connection.ws.send(frame([INFY, 1501, 'full']));
  assert.equal(await waitFor('the good tick after the bad ones', async () => ((await price()) === 1501 ? 1501 : undefined)), 1501);
  const { quotes } = await agent.api.call('getQuotes', { instruments: ['NSE:INFY', 'NSE:TCS'] });
  assert.deepEqual(Object.keys(quotes), ['NSE:INFY'], 'a packet for an unknown token reached nobody');
  assert.equal(quotes['NSE:INFY']!.mode, 'full', 'the ltp packet for a full subscription was not delivered');

  const state = await waitFor('the worker to report the bad frames', async () => {
    const s = await agent.api.call('getTicker');
    return s.workers[0]!.badFrames >= 3 ? s : undefined;
  }, 5000);
  assert.equal(state.workers[0]!.restarts, 0);
  assert.equal(state.workers[0]!.state, 'ready');

  const ticking = setInterval(() => connection.ws.send(frame([INFY, 1502, 'full'])), 100);
  t.after(() => clearInterval(ticking));
  const stale = await waitFor('TCS alone to be stale while INFY ticks', async () => {
    const s = await agent.api.call('getTicker');
    const infy = s.subscriptions.find((x) => x.instrument === 'NSE:INFY')!;
    return s.stale.join() === 'NSE:TCS' && infy.ticksPerSecond > 3 ? s : undefined;
  });
  const tcs = stale.subscriptions.find((s) => s.instrument === 'NSE:TCS')!;
  assert.deepEqual([tcs.stale, tcs.lastTickAt, tcs.ticksPerSecond], [true, null, 0]);
  clearInterval(ticking);
  const aged = await waitFor('the INFY quote to be flagged stale once ticks stop', async () => {
    const quote = (await agent.api.call('getQuotes', { instruments: ['NSE:INFY'] })).quotes['NSE:INFY']!;
    return quote.stale ? quote : undefined;
  });
  assert.equal(aged.lastPrice, 1502, 'a stale quote still carries the last price');

  await agent.stop();
  const again = await startTestAgent({ ...options, workers: undefined });
  t.after(() => again.stop());
  const restored = await again.api.call('getTicker');
  assert.equal(restored.workers.length, 1, 'the worker count was restored');
  assert.deepEqual(restored.subscriptions.map((s) => [s.instrument, s.mode]), [['NSE:INFY', 'full'], ['NSE:TCS', 'full']]);
  await waitFor('the restored agent to subscribe at the broker', () => broker.connections.length >= 2 && JSON.stringify(broker.connections.at(-1)!.messages).includes(String(INFY)));
});
