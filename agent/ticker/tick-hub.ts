/**
 * Fans ticks out to any number of consumers. Each consumer gets a frame per flush holding the
 * ticks of its instruments. A consumer whose socket backs up past `highWaterBytes` stops getting
 * frames; meanwhile only the latest tick per instrument is kept for it (conflation), so a slow
 * consumer never stalls the others nor grows memory beyond one tick per subscribed instrument.
 * When it drains below `lowWaterBytes` it is told it lagged and gets the latest ticks.
 */
import type { ConsumerInfo } from '../../shared/contract/api';
import type { StreamFormat } from '../../shared/contract/stream';
import { decodePacket } from '../../shared/kite-packet';
import type { Tick } from '../../shared/tick';
import { TickFrameWriter } from '../../shared/tick-frame';

export interface ConsumerSink {
  readonly format: StreamFormat;
  send(data: Uint8Array | string): void;
  /** Bytes accepted by `send` but not yet written to the network. */
  bufferedAmount(): number;
}

export type ConsumerStats = ConsumerInfo;

export interface TickHubOptions {
  /** Instrument id of a token, for JSON ticks. */
  nameOf: (token: number) => string;
  highWaterBytes?: number;
  lowWaterBytes?: number;
  /** How often lagging consumers are checked for having drained. */
  drainCheckMs?: number;
}

interface LatestTick {
  bytes: Uint8Array;
  length: number;
  receivedAt: number;
  json: string | undefined;
}

class Consumer {
  all = false;
  readonly tokens = new Set<number>();
  readonly writer: TickFrameWriter | undefined;
  jsonParts: string[] = [];
  lagging = false;
  readonly dirty = new Set<number>();
  conflated = 0;
  conflatedTotal = 0;
  delivered = 0;

  constructor(
    readonly id: number,
    readonly sink: ConsumerSink,
  ) {
    this.writer = sink.format === 'binary' ? new TickFrameWriter() : undefined;
  }

  get pending(): number {
    return this.writer ? this.writer.count : this.jsonParts.length;
  }
}

export type ConsumerHandle = { readonly id: number };

export class TickHub {
  private readonly latestByToken = new Map<number, LatestTick>();
  private readonly consumers = new Map<number, Consumer>();
  private readonly byToken = new Map<number, Consumer[]>();
  private readonly everything: Consumer[] = [];
  private readonly unflushed = new Set<Consumer>();
  private readonly lagging = new Set<Consumer>();
  private readonly highWater: number;
  private readonly lowWater: number;
  private nextId = 1;
  private flushScheduled = false;
  private readonly drainTimer: NodeJS.Timeout;

  constructor(private readonly options: TickHubOptions) {
    this.highWater = options.highWaterBytes ?? 2 * 1024 * 1024;
    this.lowWater = options.lowWaterBytes ?? this.highWater / 4;
    this.drainTimer = setInterval(() => this.checkLagging(), options.drainCheckMs ?? 25);
    this.drainTimer.unref();
  }

  addConsumer(sink: ConsumerSink): ConsumerHandle {
    const consumer = new Consumer(this.nextId++, sink);
    this.consumers.set(consumer.id, consumer);
    return consumer;
  }

  removeConsumer(handle: ConsumerHandle): void {
    const consumer = this.consumers.get(handle.id);
    if (!consumer) return;
    this.unsubscribe(handle, 'all');
    this.consumers.delete(consumer.id);
    this.unflushed.delete(consumer);
    this.lagging.delete(consumer);
  }

  /** Adds instruments to what a consumer receives; `'all'` means every instrument. */
  subscribe(handle: ConsumerHandle, tokens: Iterable<number> | 'all'): void {
    const consumer = this.consumer(handle);
    if (tokens === 'all') {
      if (!consumer.all) this.everything.push(consumer);
      consumer.all = true;
      return;
    }
    for (const token of tokens) {
      if (consumer.tokens.has(token)) continue;
      consumer.tokens.add(token);
      const list = this.byToken.get(token);
      if (list) list.push(consumer);
      else this.byToken.set(token, [consumer]);
    }
  }

  /** Removes instruments; `'all'` removes everything, including an all-instruments subscription. */
  unsubscribe(handle: ConsumerHandle, tokens: Iterable<number> | 'all'): void {
    const consumer = this.consumer(handle);
    if (tokens === 'all') {
      if (consumer.all) this.everything.splice(this.everything.indexOf(consumer), 1);
      consumer.all = false;
      consumer.dirty.clear(); // what a lagging all-subscriber had pending goes too
      tokens = [...consumer.tokens];
    }
    for (const token of tokens) {
      if (!consumer.tokens.delete(token)) continue;
      consumer.dirty.delete(token);
      const list = this.byToken.get(token)!;
      list.splice(list.indexOf(consumer), 1);
      if (list.length === 0) this.byToken.delete(token);
    }
  }

  /** Hot path: one Kite packet of `length` bytes at `offset` in `source`. */
  publish(token: number, source: Uint8Array, offset: number, length: number, receivedAt: number): void {
    let latest = this.latestByToken.get(token);
    if (!latest) {
      latest = { bytes: new Uint8Array(length), length, receivedAt: 0, json: undefined };
      this.latestByToken.set(token, latest);
    } else if (latest.length !== length) {
      latest.bytes = new Uint8Array(length); // exactly one packet long: it is appended whole below
      latest.length = length;
    }
    latest.bytes.set(source.subarray(offset, offset + length));
    latest.receivedAt = receivedAt;
    latest.json = undefined;

    const listeners = this.byToken.get(token);
    if (listeners) {
      for (let i = 0; i < listeners.length; i++) {
        const consumer = listeners[i]!;
        if (!consumer.all) this.deliver(consumer, token, latest); // an all-subscriber gets it below, once
      }
    }
    for (let i = 0; i < this.everything.length; i++) this.deliver(this.everything[i]!, token, latest);
    if (!this.flushScheduled && this.unflushed.size > 0) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Sends every pending frame now (also runs on its own after each batch of publishes). */
  flush(): void {
    this.flushScheduled = false;
    for (const consumer of this.unflushed) this.sendPending(consumer);
    this.unflushed.clear();
  }

  /** The latest tick of an instrument, decoded; undefined before its first tick. */
  latest(token: number): Tick | undefined {
    const latest = this.latestByToken.get(token);
    if (!latest) return undefined;
    return this.decode(token, latest);
  }

  /** Forgets an instrument's latest tick (when the ticker stops carrying it). */
  forget(token: number): void {
    this.latestByToken.delete(token);
  }

  stats(): ConsumerStats[] {
    return [...this.consumers.values()].map((c) => ({
      id: c.id,
      format: c.sink.format,
      instruments: c.all ? 'all' : c.tokens.size,
      delivered: c.delivered,
      conflated: c.conflatedTotal,
      lagging: c.lagging,
    }));
  }

  close(): void {
    clearInterval(this.drainTimer);
  }

  private consumer(handle: ConsumerHandle): Consumer {
    const consumer = this.consumers.get(handle.id);
    if (!consumer) throw new Error(`no consumer ${handle.id}`);
    return consumer;
  }

  private deliver(consumer: Consumer, token: number, latest: LatestTick): void {
    if (consumer.lagging) {
      if (consumer.dirty.has(token)) {
        consumer.conflated++;
        consumer.conflatedTotal++;
      } else consumer.dirty.add(token);
      return;
    }
    if (consumer.writer) {
      consumer.writer.appendPacket(latest.bytes, latest.receivedAt);
      if (consumer.writer.full) this.sendPending(consumer);
    } else consumer.jsonParts.push(this.json(token, latest));
    this.unflushed.add(consumer);
  }

  private sendPending(consumer: Consumer): void {
    const count = consumer.pending;
    if (count === 0) return;
    if (consumer.writer) consumer.sink.send(consumer.writer.take());
    else {
      consumer.sink.send(`{"type":"ticks","ticks":[${consumer.jsonParts.join(',')}]}`);
      consumer.jsonParts = [];
    }
    consumer.delivered += count;
    if (consumer.sink.bufferedAmount() > this.highWater) {
      consumer.lagging = true;
      this.lagging.add(consumer);
    }
  }

  private checkLagging(): void {
    for (const consumer of this.lagging) {
      if (consumer.sink.bufferedAmount() > this.lowWater) continue;
      consumer.lagging = false;
      this.lagging.delete(consumer);
      const conflated = consumer.conflated;
      consumer.conflated = 0;
      consumer.sink.send(
        JSON.stringify({
          type: 'lagged',
          conflated,
          message: `This connection fell behind; ${conflated} older ticks were replaced by the latest tick of their instrument.`,
        }),
      );
      for (const token of consumer.dirty) {
        const latest = this.latestByToken.get(token);
        if (latest) this.deliver(consumer, token, latest);
      }
      consumer.dirty.clear();
      this.sendPending(consumer);
      this.unflushed.delete(consumer);
    }
  }

  private json(token: number, latest: LatestTick): string {
    latest.json ??= JSON.stringify(this.decode(token, latest));
    return latest.json;
  }

  private decode(token: number, latest: LatestTick): Tick {
    const view = new DataView(latest.bytes.buffer, latest.bytes.byteOffset, latest.length);
    return decodePacket(view, 0, latest.length, this.options.nameOf(token), latest.receivedAt);
  }
}
