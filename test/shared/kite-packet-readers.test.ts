import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodePacket,
  encodePacket,
  readPacketExchangeTime,
  readPacketOi,
  readPacketPrice,
  readPacketVolume,
} from '../../shared/kite-packet';
import { packetFields } from '../helpers/kite-frame';

const INFY = 408065;
const NIFTY = 256265;
const USDINR = (12345 << 8) | 3; // a CDS token: prices ÷ 10,000,000

/** Every field set, and a price that needs all seven decimals of a currency pair. */
const fields = (token: number) => packetFields(token, { lastPrice: 83.1234567, volume: 1_234_567, oi: 42, exchangeTimestamp: 1_732_500_001 });

test('field readers read what decodePacket reads, and 0 for what a packet does not carry', () => {
  const view = new DataView(new ArrayBuffer(300));
  const offset = 37; // packets lie anywhere in a frame, unaligned
  for (const token of [INFY, NIFTY, USDINR]) {
    for (const mode of ['ltp', 'quote', 'full'] as const) {
      const length = encodePacket(view, offset, mode, fields(token));
      const tick = decodePacket(view, offset, length, 'X:Y', 1000);
      const where = `${token} ${mode}`;
      assert.equal(readPacketPrice(view, offset, length), tick.lastPrice, where);
      assert.equal(readPacketVolume(view, offset, length), tick.volume ?? 0, where);
      assert.equal(readPacketOi(view, offset, length), tick.oi ?? 0, where);
      const exchangeTime = readPacketExchangeTime(view, offset, length);
      assert.equal(exchangeTime, mode === 'full' ? 1_732_500_001 : 0, where);
      if (exchangeTime !== 0) assert.equal(tick.timestamp, new Date(exchangeTime * 1000).toISOString(), where);
    }
  }
});
