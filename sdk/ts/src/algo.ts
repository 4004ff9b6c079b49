/** An algo connected to its agent: market data, orders through the risk manager, its state, its log, its lifecycle. */
import { randomUUID } from 'node:crypto';
import type { ApiInput, Quote } from '../../../shared/contract/api';
import type { RiskMessage } from '../../../shared/contract/stream';
import type { CandleInterval } from '../../../shared/candle';
import type { Instrument } from '../../../shared/instrument';
import type { Order, OrderState } from '../../../shared/order';
import type { InstrumentExposure, PositionInfo, RiskFigures, RiskLimits, RiskLimitSet, RiskSummary, StateInfo } from '../../../shared/risk';
import type { Tick, TickMode } from '../../../shared/tick';
import { type Bar, type CandleEvent, candleBars, type CandlesOptions } from './candles';
import { Channel, type LiveIterator } from './channel';
import { DEFAULT_MAX_QUEUED, LatestTicks } from './latest-ticks';
import { createLog, type Log } from './log';
import type { Rest } from './rest';
import type { AlgoState } from './state';
import type { Stream } from './stream';

/** An order as the algo asks for it: its own name is filled in, and a clientOrderId when absent. */
export type PlaceOrder = Omit<ApiInput<'placeOrder'>, 'algo'>;

/** This algo's side of `GET /api/v1/risk`. */
export interface AlgoRisk {
  /** This algo's trading state, why, and its figures (ACTIVE and zeros before its first order). */
  algo: StateInfo & RiskFigures;
  /** The global trading state and the kill switch. */
  global: StateInfo & { killSwitch: boolean };
  totals: RiskFigures;
  /** What the whole portfolio holds of each instrument, across algos. */
  exposure: Record<string, InstrumentExposure>;
  /** This algo's money at risk by instrument. */
  moneyAtRisk: Record<string, number>;
  /** The limits that apply: global, and this algo's own (null: none of its own). */
  limits: { global: RiskLimitSet['global']; algo: RiskLimits | null };
  /** The whole answer, every algo's. */
  summary: RiskSummary;
}

export interface AlgoParts {
  name: string;
  rest: Rest;
  stream: Stream;
  state: AlgoState;
  handleSignals: boolean;
}

type Handler = () => void | Promise<void>;

export class Algo {
  /** The algo's name: its task's name, or the one it was connected with. */
  readonly name: string;
  readonly log: Log = createLog();
  readonly state: AlgoState;
  readonly instruments: { search: (query: string, options?: { limit?: number }) => Promise<Instrument[]> };
  readonly orders: {
    place: (order: PlaceOrder) => Promise<Order>;
    cancel: (id: string) => Promise<Order>;
    list: (options?: { state?: OrderState; limit?: number }) => Promise<Order[]>;
    updates: () => LiveIterator<Order>;
  };
  readonly risk: { state: () => Promise<AlgoRisk>; events: () => LiveIterator<RiskMessage> };

  private readonly rest: Rest;
  private readonly stream: Stream;
  private readonly channels = new Set<Channel<unknown>>();
  private readonly stopHandlers: Handler[] = [];
  private readonly reconnectHandlers: Handler[] = [];
  private closed = false;
  private stopping = false;
  private readonly signals: Array<[NodeJS.Signals, () => void]> = [];

  constructor(parts: AlgoParts) {
    this.name = parts.name;
    this.rest = parts.rest;
    this.stream = parts.stream;
    this.state = parts.state;
    this.instruments = {
      search: async (query, options = {}) => (await this.rest.call('listInstruments', { search: query, ...(options.limit === undefined ? {} : { limit: options.limit }) })).instruments,
    };
    this.orders = {
      place: (order) => this.rest.call('placeOrder', { ...order, algo: this.name, clientOrderId: order.clientOrderId ?? `sdk-${randomUUID()}` }),
      cancel: (id) => this.rest.call('cancelOrder', { id }),
      list: async (options = {}) => (await this.rest.call('listOrders', { algo: this.name, ...options })).orders,
      updates: () => this.topicChannel<Order>('orders', (message, push) => {
        if (message.type === 'orders') for (const order of message.orders) if (order.algo === this.name) push(order);
      }),
    };
    this.risk = {
      state: async () => this.riskOf(await this.rest.call('getRisk')),
      events: () => this.topicChannel<RiskMessage>('risk', (message, push) => {
        if (message.type === 'risk_state' && (message.scope === 'global' || message.scope === this.name)) push(message);
      }),
    };
    this.stream.client.on('lagged', (conflated) => this.log.warn('the stream fell behind: ticks were conflated', { conflated }));
    this.stream.onReconnected(async () => {
      for (const handler of [...this.reconnectHandlers]) await this.run(handler, 'an onReconnect handler failed');
    });
    if (parts.handleSignals) {
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        const listener = () => void this.stop(signal);
        process.on(signal, listener);
        this.signals.push([signal, listener]);
      }
    }
  }

  /**
   * Ticks of these instruments as they come; the ticker carries them if it does not already.
   * Up to `maxQueued` (10,000) ticks wait in order while the algo is busy; past that each
   * instrument keeps only its latest, and a warning says so once the algo has caught up.
   */
  ticks(instruments: string[], options: { mode?: TickMode; maxQueued?: number } = {}): LiveIterator<Tick> {
    const buffer = new LatestTicks(options.maxQueued ?? DEFAULT_MAX_QUEUED, (conflated) => this.log.warn('the algo fell behind its ticks: some were replaced by the latest of their instrument', { conflated }));
    const channel = this.track(new Channel<Tick>(buffer));
    const wanted = new Set(instruments);
    const off = this.stream.onTicks((ticks) => {
      for (const tick of ticks) if (wanted.has(tick.instrument)) channel.push(tick);
    });
    let subscribed = false;
    channel.onEnd(async () => {
      off();
      if (subscribed) await this.stream.unsubscribeTicks(instruments);
    });
    this.stream.subscribeTicks(instruments, options.mode ?? 'quote').then(
      () => {
        subscribed = true;
        if (channel.ended) void this.stream.unsubscribeTicks(instruments);
      },
      (error: unknown) => channel.end(error),
    );
    return channel;
  }

  /** Closed bars: history first, then live as they close (see CandlesOptions). */
  candles(instrument: string, interval: CandleInterval, options: CandlesOptions = {}): AsyncGenerator<Bar, void, undefined> {
    return candleBars(this.rest, this.stream, this.track(new Channel<CandleEvent>()), instrument, interval, options);
  }

  /** The latest tick of each instrument (with `stale`), by id. */
  async quote(instruments: string[]): Promise<Record<string, Quote>> {
    const result = instruments.length <= 200 ? await this.rest.call('getQuotes', { instruments }) : await this.rest.call('queryQuotes', { instruments });
    return result.quotes;
  }

  /** This algo's positions. */
  async positions(): Promise<PositionInfo[]> {
    return (await this.rest.call('getPositions')).positions.filter((position) => position.algo === this.name);
  }

  /** Runs on SIGTERM or SIGINT, in the order given (each awaited), before the SDK closes and the process exits 0. */
  onStop(handler: Handler): void {
    this.stopHandlers.push(handler);
  }

  /** Runs when the agent came back and every subscription was made again. */
  onReconnect(handler: Handler): void {
    this.reconnectHandlers.push(handler);
  }

  /** Ends every iterator and the connection; the process may then exit. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const channel of [...this.channels]) channel.end();
    for (const [signal, listener] of this.signals) process.off(signal, listener);
    this.stream.close();
    this.rest.close();
  }

  private async stop(signal: NodeJS.Signals): Promise<void> {
    if (this.stopping) return process.exit(signal === 'SIGINT' ? 130 : 143); // asked twice: at once
    this.stopping = true;
    for (const handler of this.stopHandlers) await this.run(handler, 'an onStop handler failed');
    await this.close();
    process.exit(0);
  }

  private async run(handler: Handler, what: string): Promise<void> {
    try {
      await handler();
    } catch (error) {
      this.log.error(what, { error });
    }
  }

  private track<T>(channel: Channel<T>): Channel<T> {
    if (this.closed) channel.end();
    this.channels.add(channel as Channel<unknown>);
    channel.onEnd(() => void this.channels.delete(channel as Channel<unknown>));
    return channel;
  }

  /** An iterator of a topic's messages, subscribed while it is read. */
  private topicChannel<T>(topic: 'orders' | 'risk', pick: (message: Parameters<Parameters<Stream['onMessage']>[0]>[0], push: (item: T) => void) => void): Channel<T> {
    const channel = this.track(new Channel<T>());
    const off = this.stream.onMessage((message) => pick(message, (item) => channel.push(item)));
    let subscribed = false;
    channel.onEnd(async () => {
      off();
      if (subscribed) await this.stream.unsubscribeTopic(topic);
    });
    this.stream.subscribeTopic(topic).then(
      () => {
        subscribed = true;
        if (channel.ended) void this.stream.unsubscribeTopic(topic);
      },
      (error: unknown) => channel.end(error),
    );
    return channel;
  }

  private riskOf(summary: RiskSummary): AlgoRisk {
    const mine = summary.algos[this.name];
    const { killSwitch: _k, ...globalState } = summary.state;
    const zero: RiskFigures = { moneyAtRisk: 0, pnl: 0, dayPnl: 0, drawdown: 0, openPositions: 0 };
    return {
      algo: mine ?? { ...globalState, state: 'ACTIVE', reason: null, ...zero },
      global: summary.state,
      totals: summary.totals,
      exposure: summary.exposure,
      moneyAtRisk: summary.moneyAtRisk[this.name] ?? {},
      limits: { global: summary.limits.global, algo: summary.limits.algos[this.name] ?? null },
      summary,
    };
  }
}
