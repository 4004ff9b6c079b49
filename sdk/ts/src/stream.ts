/**
 * The SDK's one stream connection: the project's StreamClient over `ws`, with reconnects and
 * resubscription. Iterators share it: an instrument or a topic stays subscribed while any
 * iterator wants it. Ticks are asked with `carry: true`, so the ticker carries what the algo
 * names (the client makes them again carried, in their mode, after a reconnect). Ticks come as
 * binary frames: the agent copies the broker's packets, and decoding them costs less than JSON.
 */
import WebSocket from 'ws';
import { StreamClient, type WebSocketLike } from '../../../shared/contract/stream-client';
import type { ServerMessage } from '../../../shared/contract/stream';
import type { CandleInterval } from '../../../shared/candle';
import type { Tick, TickMode } from '../../../shared/tick';
import { sdkError } from './errors';

const connectWs = (url: string, protocols: string[]) => new WebSocket(url, protocols, { perMessageDeflate: false }) as unknown as WebSocketLike;

export interface StreamOptions {
  url: string;
  token: string;
  reconnect?: { initialDelayMs: number; maxDelayMs: number };
}

type Listener<T> = (value: T) => void;

export class Stream {
  readonly client: StreamClient;
  /** Per instrument: how many tick iterators want it. */
  private readonly tickWants = new Map<string, number>();
  private readonly topicWants = new Map<string, number>();
  private readonly tickListeners = new Set<Listener<Tick[]>>();
  private readonly messageListeners = new Set<Listener<ServerMessage>>();
  private readonly reconnectListeners = new Set<() => void | Promise<void>>();
  private readonly lostListeners = new Set<() => void>();

  constructor(options: StreamOptions) {
    this.client = new StreamClient({
      url: options.url,
      token: options.token,
      connect: connectWs,
      format: 'binary',
      reconnect: options.reconnect ?? { initialDelayMs: 250, maxDelayMs: 5000 },
    });
    this.client.on('ticks', (ticks) => {
      for (const listener of [...this.tickListeners]) listener(ticks);
    });
    this.client.on('message', (message) => {
      for (const listener of [...this.messageListeners]) listener(message);
    });
    this.client.on('reconnected', () => void this.reconnected());
    let up = false;
    this.client.on('state', (state) => {
      if (state === 'open') up = true;
      if (state !== 'reconnecting' || !up) return;
      up = false;
      for (const listener of [...this.lostListeners]) listener();
    });
  }

  /** Runs when an open connection is lost (a reconnect follows). */
  onLost(listener: () => void): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  onTicks(listener: Listener<Tick[]>): () => void {
    this.tickListeners.add(listener);
    return () => this.tickListeners.delete(listener);
  }

  onMessage(listener: Listener<ServerMessage>): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  /** Runs after a reconnect, once everything was subscribed again. */
  onReconnected(listener: () => void | Promise<void>): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  async subscribeTicks(instruments: string[], mode: TickMode): Promise<void> {
    const ids = [...new Set(instruments)];
    try {
      await this.client.subscribe('ticks', { instruments: ids, carry: true, mode });
    } catch (error) {
      throw sdkError(error);
    }
    for (const id of ids) this.tickWants.set(id, (this.tickWants.get(id) ?? 0) + 1);
  }

  async unsubscribeTicks(instruments: string[]): Promise<void> {
    const gone: string[] = [];
    for (const id of new Set(instruments)) {
      const count = this.tickWants.get(id);
      if (count === undefined) continue;
      if (count > 1) this.tickWants.set(id, count - 1);
      else {
        this.tickWants.delete(id);
        gone.push(id);
      }
    }
    if (gone.length > 0 && this.client.connectionState !== 'closed') await this.client.unsubscribe('ticks', { instruments: gone }).catch(() => undefined);
  }

  /**
   * Keeps the `orders` and `risk` topics subscribed for as long as the connection lives, so an
   * iterator made later misses nothing that happened after it was made. A principal that may not
   * follow a topic gets the error when it asks for its iterator.
   */
  async holdTopics(): Promise<void> {
    await Promise.allSettled((['orders', 'risk'] as const).map((topic) => this.subscribeTopic(topic)));
  }

  /** Subscribes to a topic without fields (`orders`, `risk`), shared by every iterator of it. */
  async subscribeTopic(topic: 'orders' | 'risk'): Promise<void> {
    const count = this.topicWants.get(topic) ?? 0;
    if (count === 0) {
      try {
        await this.client.subscribe(topic, {});
      } catch (error) {
        throw sdkError(error);
      }
    }
    this.topicWants.set(topic, (this.topicWants.get(topic) ?? 0) + 1);
  }

  async unsubscribeTopic(topic: 'orders' | 'risk'): Promise<void> {
    const count = (this.topicWants.get(topic) ?? 0) - 1;
    if (count > 0) return void this.topicWants.set(topic, count);
    this.topicWants.delete(topic);
    if (this.client.connectionState !== 'closed') await this.client.unsubscribe(topic, {}).catch(() => undefined);
  }

  async subscribeCandles(instrument: string, interval: CandleInterval): Promise<void> {
    try {
      await this.client.subscribe('candles', { series: [{ instrument, interval }], carry: true });
    } catch (error) {
      throw sdkError(error);
    }
  }

  async unsubscribeCandles(instrument: string, interval: CandleInterval): Promise<void> {
    if (this.client.connectionState === 'closed') return;
    await this.client.unsubscribe('candles', { series: [{ instrument, interval }], carry: true }).catch(() => undefined);
  }

  close(): void {
    this.client.close();
  }

  private async reconnected(): Promise<void> {
    for (const listener of [...this.reconnectListeners]) {
      try {
        await listener();
      } catch {
        // a listener reports its own failures
      }
    }
  }
}
