/**
 * Fans ticks out to any number of consumers (stream connections) and observers (in-process
 * services). Each consumer gets a frame per flush holding the ticks of its instruments.
 *
 * Hot path: ticks arrive a broker frame at a time (`beginFrame`, `tick` per accepted packet,
 * `endFrame`). Each frame is copied whole into a `LatestStore`, and an instrument's latest tick is
 * a position in it, recorded by its `Channel` (holding the frames themselves instead kept buffers
 * alive long enough to be promoted, and the full garbage collections that followed cost far more
 * than the copies saved). Then:
 * - consumers that named the instrument get the tick appended to their frame (`ConsumerOutbox`),
 *   and so do JSON consumers of every instrument;
 * - binary consumers of every instrument get the accepted packets in runs (`RunFanout`);
 * - observers, if any, are shown the packet where the store copied it (`TickObservers`);
 * - a consumer whose socket backs up is conflated until it drains (`ConsumerLag`).
 */
import type { ConsumerInfo } from '../../shared/contract/api';
import type { Tick } from '../../shared/tick';
import { ConsumerLag } from './consumer-lag';
import { ConsumerOutbox } from './consumer-outbox';
import { Channel, NO_BYTES } from './hub-channel';
import { Consumer, type ConsumerHandle, type ConsumerSink } from './hub-consumer';
import { LatestStore } from './latest-store';
import { RunFanout } from './run-fanout';
import { type ObserverErrorHandler, type TickObserver, TickObservers } from './tick-observers';

export { Channel } from './hub-channel';
export type { ConsumerHandle, ConsumerSink } from './hub-consumer';
export { MAX_FRAME_BYTES } from './consumer-outbox';
export type { ObserverErrorHandler, TickObserver } from './tick-observers';

export type ConsumerStats = ConsumerInfo;

/** A consumer as `removeConsumer` leaves it, for a log line such as "dropped while lagging, lost N ticks". */
export interface RemovedConsumer extends ConsumerStats {
  /** Ticks it never got: those conflated and, if it was lagging, also the latest ticks still owed to it. */
  lost: number;
}

export interface TickHubOptions {
  /** Instrument id of a token, for JSON ticks. */
  nameOf: (token: number) => string;
  /** Unsent bytes past which a consumer lags, at least (default 2 MiB). */
  highWaterBytes?: number;
  /** ... and at most, for a consumer that receives fast (default 16 MiB). */
  maxHighWaterBytes?: number;
  /** A consumer lags once its unsent bytes are more than it receives in this long (default 250 ms), within the bounds above. */
  lagAllowanceMs?: number;
  /** How often consumers' receive rates are measured (default 1 s). */
  rateWindowMs?: number;
  /** Where a lagging consumer's unsent bytes must fall to resume, for a consumer at the lowest high-water mark (default a quarter of it). */
  lowWaterBytes?: number;
  /** How often lagging consumers are checked for having drained. */
  drainCheckMs?: number;
  /** The clock that tells sparse frames from dense ones, in ms (default `performance.now`). */
  now?: () => number;
  /** Initial size of each of the latest-tick store's two spaces. */
  latestSpaceBytes?: number;
  /** Told of an observer that threw and was removed (default: a process warning). */
  onObserverError?: ObserverErrorHandler;
}

export class TickHub {
  private readonly channels = new Map<number, Channel>();
  private readonly consumers = new Map<number, Consumer>();
  /** JSON consumers of every instrument (binary ones are the RunFanout's). */
  private readonly everyJson: Consumer[] = [];
  private readonly outbox: ConsumerOutbox;
  private readonly runs: RunFanout;
  private readonly lag: ConsumerLag;
  private readonly observers: TickObservers;
  private readonly latestStore: LatestStore;
  private readonly liveChannels = () => this.channels.values();
  private nextId = 1;
  /** Numbers every accepted packet. */
  private seq = 0;

  // Where the store copied the frame being published, and when it arrived.
  private frameSpace: Uint8Array = NO_BYTES;
  private frameView: DataView;
  private frameBase = 0;
  private frameAt = 0;

  constructor(private readonly options: TickHubOptions) {
    this.latestStore = new LatestStore(options.latestSpaceBytes ? { spaceBytes: options.latestSpaceBytes } : {});
    this.frameView = this.latestStore.view;
    this.outbox = new ConsumerOutbox(options.nameOf, (consumer) => this.lag.afterSend(consumer), options.now);
    this.runs = new RunFanout(this.outbox);
    const highWaterBytes = options.highWaterBytes ?? 2 * 1024 * 1024;
    this.lag = new ConsumerLag({
      highWaterBytes,
      maxHighWaterBytes: Math.max(highWaterBytes, options.maxHighWaterBytes ?? 16 * 1024 * 1024),
      allowanceMs: options.lagAllowanceMs ?? 250,
      rateWindowMs: options.rateWindowMs ?? 1000,
      lowWaterBytes: options.lowWaterBytes ?? highWaterBytes / 4,
      drainCheckMs: options.drainCheckMs ?? 25,
      channels: this.channels,
      seq: () => this.seq,
      outbox: this.outbox,
    }, () => this.consumers.values());
    this.observers = new TickObservers(options.onObserverError ?? reportObserverError);
  }

  addConsumer(sink: ConsumerSink): ConsumerHandle {
    const consumer = new Consumer(this.nextId++, sink, this.outbox.allocate, this.lag.floor);
    this.consumers.set(consumer.id, consumer);
    return consumer;
  }

  /** Removes a consumer; returns what it was sent and lost (undefined for one unknown). */
  removeConsumer(handle: ConsumerHandle): RemovedConsumer | undefined {
    const consumer = this.consumers.get(handle.id);
    if (!consumer) return undefined;
    const removed = { ...this.statsOf(consumer), lost: this.lag.lostOnRemoval(consumer) };
    this.unsubscribe(handle, 'all');
    this.consumers.delete(consumer.id);
    this.outbox.drop(consumer);
    this.lag.drop(consumer);
    return removed;
  }

  /** Adds instruments to what a consumer receives; `'all'` means every instrument. */
  subscribe(handle: ConsumerHandle, tokens: Iterable<number> | 'all'): void {
    const consumer = this.consumer(handle);
    if (tokens === 'all') {
      if (!consumer.all) this.everyListOf(consumer).push(consumer);
      consumer.all = true;
      return;
    }
    for (const token of tokens) {
      if (consumer.tokens.has(token)) continue;
      consumer.tokens.add(token);
      this.channelOf(token).listeners.push(consumer);
    }
  }

  /** Removes instruments; `'all'` removes everything, including an all-instruments subscription. */
  unsubscribe(handle: ConsumerHandle, tokens: Iterable<number> | 'all'): void {
    const consumer = this.consumer(handle);
    if (tokens === 'all') {
      if (consumer.all) {
        const list = this.everyListOf(consumer);
        list.splice(list.indexOf(consumer), 1);
      }
      consumer.all = false;
      tokens = [...consumer.tokens];
    }
    for (const token of tokens) {
      if (!consumer.tokens.delete(token)) continue;
      const channel = this.channels.get(token)!;
      channel.listeners.splice(channel.listeners.indexOf(consumer), 1);
      this.dropIfUnused(channel);
    }
  }

  /**
   * Shows every accepted packet to `observer`, in order, from the next one on (see
   * `TickObserver`); returns its removal. An observer that throws is removed and reported to
   * `onObserverError`; the ticks go on to everyone else.
   */
  observe(observer: TickObserver): () => void {
    return this.observers.add(observer);
  }

  /** Observers now, and how many were removed because they threw. */
  observerStats(): { observers: number; failed: number } {
    return { observers: this.observers.list.length, failed: this.observers.failed };
  }

  /** The channel a publisher sends an instrument's ticks to (held until `forget`). */
  channel(token: number): Channel {
    const channel = this.channelOf(token);
    channel.held = true;
    return channel;
  }

  /** Forgets an instrument's latest tick and releases its channel (the ticker stopped carrying it). */
  forget(token: number): void {
    const channel = this.channels.get(token);
    if (!channel) return;
    channel.held = false;
    channel.clear();
    this.dropIfUnused(channel);
  }

  /** Starts publishing the packets of one broker frame (a Kite frame) received at `receivedAt`. */
  beginFrame(frame: Uint8Array, receivedAt: number): void {
    this.frameAt = receivedAt;
    this.frameBase = this.latestStore.add(frame, this.liveChannels);
    this.frameSpace = this.latestStore.space;
    this.frameView = this.latestStore.view;
    this.runs.begin(frame, receivedAt);
  }

  /**
   * Hot path: the packet of `length` bytes at `offset` in the current frame, for `channel`. The
   * packet's uint16 length sits right before it, as in every Kite frame (`RunFanout` relies on it).
   */
  tick(channel: Channel, offset: number, length: number): void {
    channel.space = this.frameSpace;
    channel.at = this.frameBase + offset;
    channel.length = length;
    channel.receivedAt = this.frameAt;
    channel.json = undefined;
    channel.seq = ++this.seq;

    this.runs.add(offset, length);
    const listeners = channel.listeners;
    for (let i = 0; i < listeners.length; i++) {
      const consumer = listeners[i]!;
      if (!consumer.all) this.outbox.deliver(consumer, channel);
    }
    for (let i = 0; i < this.everyJson.length; i++) this.outbox.deliver(this.everyJson[i]!, channel);
    if (this.observers.list.length !== 0) this.observers.notify(channel.token, this.frameView, channel.at, length, this.frameAt);
  }

  /** Finishes the current frame; the hub lets go of it (its memory may be reused at once). */
  endFrame(): void {
    this.runs.finish();
    this.outbox.scheduleFlush();
  }

  /** Sends every pending frame now (also runs on its own after each batch of frames). */
  flush(): void {
    this.outbox.flush();
  }

  /** The latest tick of an instrument, decoded; undefined before its first tick. */
  latest(token: number): Tick | undefined {
    const channel = this.channels.get(token);
    if (!channel || channel.length === 0) return undefined;
    return channel.decode(this.options.nameOf);
  }

  /** Every consumer; `conflated` includes what a lagging one has lost so far. */
  stats(): ConsumerStats[] {
    return [...this.consumers.values()].map((consumer) => this.statsOf(consumer));
  }

  close(): void {
    this.lag.close();
    this.outbox.close();
    this.observers.clear();
  }

  private statsOf(consumer: Consumer): ConsumerStats {
    return {
      id: consumer.id,
      format: consumer.sink.format,
      instruments: consumer.all ? 'all' : consumer.tokens.size,
      delivered: consumer.delivered,
      conflated: this.lag.conflated(consumer),
      lagging: consumer.lagging,
    };
  }

  private consumer(handle: ConsumerHandle): Consumer {
    const consumer = this.consumers.get(handle.id);
    if (!consumer) throw new Error(`no consumer ${handle.id}`);
    return consumer;
  }

  /** Where a consumer of every instrument is listed: binary ones take runs, JSON ones ticks. */
  private everyListOf(consumer: Consumer): Consumer[] {
    return consumer.writer ? this.runs.consumers : this.everyJson;
  }

  private channelOf(token: number): Channel {
    let channel = this.channels.get(token);
    if (!channel) {
      channel = new Channel(token);
      this.channels.set(token, channel);
    }
    return channel;
  }

  private dropIfUnused(channel: Channel): void {
    if (!channel.held && channel.listeners.length === 0) this.channels.delete(channel.token);
  }
}

function reportObserverError(error: unknown): void {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.emitWarning(`A tick observer threw and no longer observes the hub: ${text}`);
}
