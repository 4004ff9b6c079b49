/**
 * Fans ticks out to any number of consumers. Each consumer gets a frame per flush holding the
 * ticks of its instruments. A consumer whose socket backs up past `highWaterBytes` stops getting
 * frames; meanwhile only the latest tick per instrument is kept for it (conflation), so a slow
 * consumer never stalls the others nor grows memory beyond one tick per subscribed instrument.
 * When it drains below `lowWaterBytes` it is told it lagged and gets the latest ticks.
 *
 * Hot path: ticks arrive a broker frame at a time (`beginFrame`, `tick` per accepted packet,
 * `endFrame`). A consumer of every instrument gets the frame's accepted packets copied in runs,
 * not one by one. Latest ticks are kept in a `LatestStore`: each frame is copied there whole, and
 * an instrument's latest tick is a position in it (holding the frames themselves instead kept
 * buffers alive long enough to be promoted, and the full garbage collections that followed cost
 * far more than the copies saved). Outgoing frames are built in buffers from a `BufferPool`,
 * each returned by the socket once written.
 */
import type { ConsumerInfo } from '../../shared/contract/api';
import type { StreamFormat } from '../../shared/contract/stream';
import { decodePacket } from '../../shared/kite-packet';
import type { Tick } from '../../shared/tick';
import { TickFrameWriter } from '../../shared/tick-frame';
import { BufferPool } from './buffer-pool';
import { LatestStore } from './latest-store';

export interface ConsumerSink {
  readonly format: StreamFormat;
  /**
   * Sends a message. Binary data is handed over: the sink calls `written` once the socket no
   * longer needs it, and the hub then builds a later frame in the same buffer.
   */
  send(data: Uint8Array | string, written?: () => void): void;
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
  /** Initial size of each of the latest-tick store's two spaces. */
  latestSpaceBytes?: number;
}

const NO_BYTES = new Uint8Array(0);
/**
 * A frame goes out once it holds this much (a frame of all-subscriber runs may hold one run
 * more): a message within one socket read (64 KiB) is cheaper for a client to take in than one it
 * must join from several, and at 2 M ticks/s frames of this size cost the agent and the consumer
 * less than 128 KiB ones did.
 */
export const MAX_FRAME_BYTES = 64 * 1024;

/** One instrument: its latest tick and the consumers of it by name. */
export class Channel {
  /** Consumers that named this instrument (consumers of everything are kept apart). */
  readonly listeners: Consumer[] = [];
  /** The latest packet: `length` bytes at `at` in `space`, kept by the hub's LatestStore. */
  space: Uint8Array = NO_BYTES;
  at = 0;
  /** 0 before the first tick. */
  length = 0;
  receivedAt = 0;
  /** The hub's tick counter when this instrument last ticked. */
  seq = 0;
  json: string | undefined;
  /** A publisher (the ticker) holds this channel; it is never dropped while held. */
  held = false;

  constructor(readonly token: number) {}
}

class Consumer {
  all = false;
  readonly tokens = new Set<number>();
  readonly writer: TickFrameWriter | undefined;
  jsonParts: string[] = [];
  queued = false;
  lagging = false;
  /** While lagging: the hub's tick counter when it started, and ticks it missed by name. */
  lagSeq = 0;
  lagTicks = 0;
  conflatedTotal = 0;
  delivered = 0;

  constructor(
    readonly id: number,
    readonly sink: ConsumerSink,
    allocate: (bytes: number) => Uint8Array,
  ) {
    this.writer = sink.format === 'binary' ? new TickFrameWriter({ allocate }) : undefined;
  }

  get pending(): number {
    return this.writer ? this.writer.count : this.jsonParts.length;
  }
}

export type ConsumerHandle = { readonly id: number };

export class TickHub {
  private readonly channels = new Map<number, Channel>();
  private readonly consumers = new Map<number, Consumer>();
  /** Consumers of every instrument, by format. */
  private readonly everyBinary: Consumer[] = [];
  private readonly everyJson: Consumer[] = [];
  private readonly unflushed: Consumer[] = [];
  private readonly lagging = new Set<Consumer>();
  private readonly highWater: number;
  private readonly lowWater: number;
  private nextId = 1;
  private flushScheduled = false;
  private readonly drainTimer: NodeJS.Timeout;
  private seq = 0;
  private readonly latestStore: LatestStore;
  private readonly liveChannels = () => this.channels.values();
  private readonly pool = new BufferPool();

  // The frame being published (and where the store copied it), and the runs of consecutive
  // accepted packets in it.
  private frame: Uint8Array = NO_BYTES;
  private frameAt = 0;
  private frameSpace: Uint8Array = NO_BYTES;
  private frameBase = 0;
  private runStart = -1;
  private runEnd = -1;
  private runCount = 0;

  constructor(private readonly options: TickHubOptions) {
    this.highWater = options.highWaterBytes ?? 2 * 1024 * 1024;
    this.lowWater = options.lowWaterBytes ?? this.highWater / 4;
    this.latestStore = new LatestStore(options.latestSpaceBytes ? { spaceBytes: options.latestSpaceBytes } : {});
    this.drainTimer = setInterval(() => this.checkLagging(), options.drainCheckMs ?? 25);
    this.drainTimer.unref();
  }

  addConsumer(sink: ConsumerSink): ConsumerHandle {
    const consumer = new Consumer(this.nextId++, sink, this.pool.take);
    this.consumers.set(consumer.id, consumer);
    return consumer;
  }

  removeConsumer(handle: ConsumerHandle): void {
    const consumer = this.consumers.get(handle.id);
    if (!consumer) return;
    this.unsubscribe(handle, 'all');
    this.consumers.delete(consumer.id);
    const queued = this.unflushed.indexOf(consumer);
    if (queued >= 0) this.unflushed.splice(queued, 1);
    this.lagging.delete(consumer);
  }

  /** Adds instruments to what a consumer receives; `'all'` means every instrument. */
  subscribe(handle: ConsumerHandle, tokens: Iterable<number> | 'all'): void {
    const consumer = this.consumer(handle);
    if (tokens === 'all') {
      if (!consumer.all) (consumer.writer ? this.everyBinary : this.everyJson).push(consumer);
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
        const list = consumer.writer ? this.everyBinary : this.everyJson;
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
    channel.space = NO_BYTES;
    channel.length = 0;
    channel.json = undefined;
    this.dropIfUnused(channel);
  }

  /** Starts publishing the packets of one broker frame (a Kite frame) received at `receivedAt`. */
  beginFrame(frame: Uint8Array, receivedAt: number): void {
    this.frame = frame;
    this.frameAt = receivedAt;
    this.frameBase = this.latestStore.add(frame, this.liveChannels);
    this.frameSpace = this.latestStore.space;
    this.runStart = -1;
    this.runCount = 0;
  }

  /** Hot path: the packet of `length` bytes at `offset` in the current frame, for `channel`. */
  tick(channel: Channel, offset: number, length: number): void {
    channel.space = this.frameSpace;
    channel.at = this.frameBase + offset;
    channel.length = length;
    channel.receivedAt = this.frameAt;
    channel.json = undefined;
    channel.seq = ++this.seq;

    // Runs of consecutive packets (each behind its uint16 length) go to all-subscribers whole.
    if (offset - 2 === this.runEnd) {
      this.runEnd = offset + length;
      this.runCount++;
    } else {
      this.flushRun();
      this.runStart = offset - 2;
      this.runEnd = offset + length;
      this.runCount = 1;
    }

    const listeners = channel.listeners;
    for (let i = 0; i < listeners.length; i++) {
      const consumer = listeners[i]!;
      if (!consumer.all) this.deliver(consumer, channel);
    }
    for (let i = 0; i < this.everyJson.length; i++) this.deliver(this.everyJson[i]!, channel);
  }

  /** Finishes the current frame. */
  endFrame(): void {
    this.flushRun();
    this.frame = NO_BYTES;
    if (!this.flushScheduled && this.unflushed.length > 0) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Sends every pending frame now (also runs on its own after each batch of frames). */
  flush(): void {
    this.flushScheduled = false;
    for (const consumer of this.unflushed) {
      consumer.queued = false;
      this.sendPending(consumer);
    }
    this.unflushed.length = 0;
  }

  /** The latest tick of an instrument, decoded; undefined before its first tick. */
  latest(token: number): Tick | undefined {
    const channel = this.channels.get(token);
    if (!channel || channel.length === 0) return undefined;
    return this.decode(channel);
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

  private flushRun(): void {
    if (this.runCount === 0) return;
    for (let i = 0; i < this.everyBinary.length; i++) {
      const consumer = this.everyBinary[i]!;
      if (consumer.lagging) continue;
      const writer = consumer.writer!;
      if (writer.full) this.sendPending(consumer);
      writer.appendPackets(this.frame, this.runStart, this.runEnd, this.runCount, this.frameAt);
      if (writer.byteLength >= MAX_FRAME_BYTES) this.sendPending(consumer);
      else this.queue(consumer);
    }
    this.runCount = 0;
    this.runEnd = -1;
  }

  private deliver(consumer: Consumer, channel: Channel): void {
    if (consumer.lagging) {
      consumer.lagTicks++;
      return;
    }
    const writer = consumer.writer;
    if (writer) {
      if (writer.full) this.sendPending(consumer);
      writer.append(channel.space, channel.at, channel.length, channel.receivedAt);
      if (writer.byteLength >= MAX_FRAME_BYTES) {
        this.sendPending(consumer);
        return;
      }
    } else consumer.jsonParts.push(this.json(channel));
    this.queue(consumer);
  }

  private queue(consumer: Consumer): void {
    if (consumer.queued) return;
    consumer.queued = true;
    this.unflushed.push(consumer);
  }

  private sendPending(consumer: Consumer): void {
    const count = consumer.pending;
    if (count === 0) return;
    if (consumer.writer) {
      const frame = consumer.writer.take();
      consumer.sink.send(frame, () => this.pool.give(frame));
    } else {
      consumer.sink.send(`{"type":"ticks","ticks":[${consumer.jsonParts.join(',')}]}`);
      consumer.jsonParts = [];
    }
    consumer.delivered += count;
    if (!consumer.lagging && consumer.sink.bufferedAmount() > this.highWater) {
      consumer.lagging = true;
      consumer.lagSeq = this.seq;
      consumer.lagTicks = 0;
      this.lagging.add(consumer);
    }
  }

  private checkLagging(): void {
    for (const consumer of this.lagging) {
      if (consumer.sink.bufferedAmount() > this.lowWater) continue;
      this.resume(consumer);
    }
  }

  /** A lagging consumer has drained: tell it what it lost, then send the latest of what changed. */
  private resume(consumer: Consumer): void {
    consumer.lagging = false;
    this.lagging.delete(consumer);
    const changed: Channel[] = [];
    if (consumer.all) {
      for (const channel of this.channels.values()) if (channel.seq > consumer.lagSeq && channel.length > 0) changed.push(channel);
    } else {
      for (const token of consumer.tokens) {
        const channel = this.channels.get(token)!;
        if (channel.seq > consumer.lagSeq && channel.length > 0) changed.push(channel);
      }
    }
    const missed = consumer.all ? this.seq - consumer.lagSeq : consumer.lagTicks;
    const conflated = Math.max(0, missed - changed.length);
    consumer.conflatedTotal += conflated;
    consumer.sink.send(
      JSON.stringify({
        type: 'lagged',
        conflated,
        message: `This connection fell behind; ${conflated} older ticks were replaced by the latest tick of their instrument.`,
      }),
    );
    changed.sort((a, b) => a.seq - b.seq); // in the order they happened
    for (const channel of changed) this.deliver(consumer, channel);
    this.sendPending(consumer);
  }

  private json(channel: Channel): string {
    channel.json ??= JSON.stringify(this.decode(channel));
    return channel.json;
  }

  private decode(channel: Channel): Tick {
    const { space, at, length } = channel;
    return decodePacket(new DataView(space.buffer, space.byteOffset + at, length), 0, length, this.options.nameOf(channel.token), channel.receivedAt);
  }
}
