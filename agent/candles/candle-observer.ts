/**
 * What the candles service shows the tick hub: each accepted packet's price, day volume, open
 * interest and time, read in place and handed to the live candles. The time is the exchange's
 * when the packet carries one (full mode), else when the worker received it.
 */
import { readPacketExchangeTime, readPacketOi, readPacketPrice, readPacketVolume } from '../../shared/kite-packet';
import type { TickObserver } from '../ticker/tick-observers';
import type { LiveCandles } from './live-candles';

export function candleObserver(live: LiveCandles): TickObserver {
  return {
    tick(token, view, offset, length, receivedAt) {
      const exchangeSeconds = readPacketExchangeTime(view, offset, length);
      live.tick(
        token,
        readPacketPrice(view, offset, length),
        readPacketVolume(view, offset, length),
        readPacketOi(view, offset, length),
        exchangeSeconds > 0 ? exchangeSeconds * 1000 : receivedAt,
      );
    },
  };
}
