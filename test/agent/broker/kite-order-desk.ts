/**
 * The Kite order broker as the agent runs it, on real parts: the Kite emulator, the REST client
 * (`KiteApi`, the official client inside), two websocket connections of our own ticker client
 * (as two workers: each carries every postback) feeding one relay.
 */
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import pino from 'pino';
import { KiteApi, type KiteApiOptions } from '../../../agent/broker/kite/kite-api';
import { KiteOrderBroker, type KiteOrderBrokerOptions } from '../../../agent/broker/kite/kite-orders';
import type { SimTickerServer, SimTickerServerOptions } from '../../../agent/market/sim/sim-ticker-server';
import type { PaperUpdate } from '../../../agent/orders/paper-broker';
import { KiteWsProvider } from '../../../agent/ticker/kite-ws-provider';
import { OrderUpdateRelay } from '../../../agent/ticker/order-updates';
import { type Kite, kiteClient, KEY, startEmulator, TOKEN } from '../market/sim/kite-emulator-helpers';
import { waitFor } from '../../helpers/wait';

export type Row = Record<string, any>;

export const log = pino({ level: 'silent' });

export interface Desk {
  server: SimTickerServer;
  /** The official client, to see what Kite has. */
  kite: Kite;
  broker: KiteOrderBroker;
  updates: PaperUpdate[];
  /** Notices of the ticker connections (malformed text frames). */
  notices: string[];
  /** Postbacks received, counted per connection. */
  postbacks: number;
  /** A second broker on the same emulator, as after a restart. */
  restart(options?: Partial<KiteOrderBrokerOptions>): { broker: KiteOrderBroker; updates: PaperUpdate[] };
}

/** One of our order ids, created `agoMs` before now. */
export function orderId(agoMs = 0): string {
  return `o-${(Date.now() - agoMs).toString(36)}-${randomBytes(4).toString('hex')}`;
}

export async function openDesk(
  t: TestContext,
  { emulator = {}, broker = {}, api = {} }: { emulator?: Partial<SimTickerServerOptions>; broker?: Partial<KiteOrderBrokerOptions>; api?: Partial<KiteApiOptions> } = {},
): Promise<Desk> {
  const server = await startEmulator(t, { ...emulator, rateLimits: { other: 1000, quote: 100, ...emulator.rateLimits } });
  const rest = new KiteApi({ root: server.httpUrl, apiKey: KEY, accessToken: TOKEN, log, ...api });
  const relay = new OrderUpdateRelay((error) => {
    throw error;
  });
  const desk = { postbacks: 0, notices: [] as string[] };
  const providers = [1, 2].map(
    () =>
      new KiteWsProvider({ kind: 'kite-ws', url: server.url, apiKey: KEY, accessToken: TOKEN }, {
        frame() {},
        state() {},
        notice: (_level, text) => desk.notices.push(text),
        order: (update) => {
          desk.postbacks++;
          relay.receive(update);
        },
      }),
  );
  for (const provider of providers) {
    provider.connect();
    t.after(() => provider.close());
  }
  await waitFor('both connections up', () => providers.every((provider) => provider.stats().connected));
  const make = (options: Partial<KiteOrderBrokerOptions>) => {
    const updates: PaperUpdate[] = [];
    const created = new KiteOrderBroker({ api: () => rest, onUpdate: (update) => updates.push(update), log, postbacks: (listener) => relay.listen(listener), pollMs: 400, unsureForMs: 1500, ...broker, ...options });
    t.after(() => created.stop());
    return { broker: created, updates };
  };
  const first = make({});
  return Object.assign(desk, { server, kite: kiteClient(server, TOKEN), broker: first.broker, updates: first.updates, restart: make });
}

/** The emulator's orders carrying a tag. */
export async function kiteOrdersTagged(kite: Kite, tag: string): Promise<Row[]> {
  return ((await kite.getOrders()) as Row[]).filter((order) => order.tag === tag);
}

export function filledOf(updates: readonly PaperUpdate[], id: string): number {
  return updates.reduce((sum, update) => sum + (update.id === id && update.kind === 'fill' ? update.quantity : 0), 0);
}

export async function lastPrice(kite: Kite, id: string): Promise<{ last: number; close: number; tick: number }> {
  const quote = ((await kite.getQuote([id])) as Record<string, Row>)[id]!;
  const instruments = (await kite.getInstruments('NSE' as never)) as Row[];
  const tick = instruments.find((instrument) => `NSE:${instrument.tradingsymbol}` === id)!.tick_size as number;
  return { last: quote.last_price, close: quote.ohlc.close, tick };
}

export const onTick = (price: number, tick: number) => Math.round(Math.round(price / tick) * tick * 100) / 100;
