/**
 * Builds each consumer's messages and sends them: what waits goes out `FLUSH_DELAY_MS` after the
 * first tick of a batch, or sooner once its frame holds `MAX_FRAME_BYTES`.
 * Binary frames are built in buffers from a `BufferPool` and handed to the socket without a copy;
 * the socket gives each back once written, and a later frame is built in it. A JSON consumer's
 * ticks are stringified once per tick and shared by every JSON consumer (`Channel.toJson`).
 */
import { BufferPool } from './buffer-pool';
import type { Channel } from './hub-channel';
import type { Consumer } from './hub-consumer';

/**
 * A frame goes out once it holds this much (a frame of all-subscriber runs may hold one run
 * more): a message within one socket read (64 KiB) is cheaper for a client to take in than one it
 * must join from several, and at 2 M ticks/s frames of this size cost the agent and the consumer
 * less than 128 KiB ones did.
 */
export const MAX_FRAME_BYTES = 64 * 1024;

/**
 * How long the first waiting tick may wait for others. The broker's frames reach the agent a few
 * at a time (one per worker, moments apart); sending once for all of them rather than once per
 * event-loop turn took consumers' messages from about 75 to 50 a second at the ceiling, and with
 * them the wake-ups and CPU of 21 consumer processes on 2 cores (and the median latency fell).
 */
export const FLUSH_DELAY_MS = 1;

/**
 * While frames come this far apart on average (a moving mean of the last eight or so gaps), each
 * goes out at the end of its event-loop turn instead: with frames that sparse (one worker of the
 * simulated market sends every 25 ms; a broker's quiet hours) nothing would join it, and waiting
 * the timer only delays every tick. At the ceiling frames come every few ms and are joined.
 */
export const QUIET_MS = 15;

export class ConsumerOutbox {
  private readonly unflushed: Consumer[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private flushSoon: NodeJS.Immediate | null = null;
  private lastFrameAt = 0;
  /** The moving mean of the gaps between frames, in ms (each gap counted up to 1 s). */
  private meanGap = 1000;
  private closed = false;
  private readonly pool = new BufferPool();
  /** Allocates consumers' frame buffers (from the pool). */
  readonly allocate = this.pool.take;

  /**
   * @param sent called after each message sent to a consumer (its socket may have backed up)
   * @param now the clock of the gaps between frames, in ms
   */
  constructor(
    private readonly nameOf: (token: number) => string,
    private readonly sent: (consumer: Consumer) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Hot path: appends an instrument's latest tick. A lagging consumer only counts it as missed. */
  deliver(consumer: Consumer, channel: Channel): void {
    if (consumer.lagging) {
      consumer.lagTicks++;
      return;
    }
    const writer = consumer.writer;
    if (writer) {
      if (writer.full) this.send(consumer);
      writer.append(channel.space, channel.at, channel.length, channel.receivedAt);
      if (writer.byteLength >= MAX_FRAME_BYTES) {
        this.send(consumer);
        return;
      }
    } else consumer.jsonParts.push(channel.toJson(this.nameOf));
    this.queue(consumer);
  }

  /**
   * Appends to a binary consumer `count` packets lying in `frame` from `start` to `end`, each
   * behind its uint16 length, as `RunFanout` finds them. A lagging consumer gets nothing (what a
   * consumer of every instrument misses is counted from the hub's tick counter).
   */
  deliverRun(consumer: Consumer, frame: Uint8Array, start: number, end: number, count: number, receivedAt: number): void {
    if (consumer.lagging) return;
    const writer = consumer.writer!;
    if (writer.full) this.send(consumer);
    writer.appendPackets(frame, start, end, count, receivedAt);
    if (writer.byteLength >= MAX_FRAME_BYTES) this.send(consumer);
    else this.queue(consumer);
  }

  /** Sends what the consumer has pending, now. */
  send(consumer: Consumer): void {
    const count = consumer.pending;
    if (count === 0) return;
    if (consumer.writer) {
      const frame = consumer.writer.take();
      consumer.sentBytes += frame.byteLength;
      consumer.sink.send(frame, () => this.pool.give(frame));
    } else {
      const text = `{"type":"ticks","ticks":[${consumer.jsonParts.join(',')}]}`;
      consumer.sentBytes += text.length;
      consumer.sink.send(text);
      consumer.jsonParts = [];
    }
    consumer.delivered += count;
    this.sent(consumer);
  }

  /**
   * After each frame: sends what waits `FLUSH_DELAY_MS` from now, or at the end of this turn while
   * frames come `QUIET_MS` apart on average, unless `flush` comes first.
   */
  scheduleFlush(): void {
    const now = this.now();
    this.meanGap += (Math.min(now - this.lastFrameAt, 1000) - this.meanGap) / 8;
    this.lastFrameAt = now;
    if (this.flushTimer !== null || this.flushSoon !== null || this.closed || this.unflushed.length === 0) return;
    if (this.meanGap >= QUIET_MS) this.flushSoon = setImmediate(this.flush);
    else this.flushTimer = setTimeout(this.flush, FLUSH_DELAY_MS);
  }

  /** Stops sending: nothing scheduled goes out any more. */
  close(): void {
    this.closed = true;
    this.cancelScheduled();
  }

  /** Sends every consumer's pending message now. */
  readonly flush = (): void => {
    this.cancelScheduled();
    for (const consumer of this.unflushed) {
      consumer.queued = false;
      this.send(consumer);
    }
    this.unflushed.length = 0;
  };

  /** Forgets a consumer that is gone. */
  drop(consumer: Consumer): void {
    const at = this.unflushed.indexOf(consumer);
    if (at >= 0) this.unflushed.splice(at, 1);
  }

  private cancelScheduled(): void {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    if (this.flushSoon !== null) clearImmediate(this.flushSoon);
    this.flushTimer = null;
    this.flushSoon = null;
  }

  private queue(consumer: Consumer): void {
    if (consumer.queued) return;
    consumer.queued = true;
    this.unflushed.push(consumer);
  }
}
