/**
 * Conflation of slow consumers. A consumer whose socket holds more than its high-water mark after
 * a send lags: it is sent nothing more, and only the latest tick per instrument is kept for it.
 * The channels hold those already, so a lag costs no memory and never stalls the others. Every
 * `drainCheckMs` the lagging are checked; one whose socket drained to its low-water mark is told
 * how many ticks it lost, then sent the latest tick of each of its instruments that ticked
 * meanwhile.
 *
 * A consumer's high-water mark is what it receives in `allowanceMs`, measured each second, within
 * `highWaterBytes`…`maxHighWaterBytes`. A fixed mark made a fast consumer lag whenever it was not
 * scheduled for a few milliseconds (2 MiB is 9 ms at 1.2 M ticks/s): losing ticks to a brief
 * stall on a busy machine is worse than holding a few more megabytes for it.
 *
 * What a lag loses is worked out when someone asks (stats, removal, resume), not per tick: the
 * ticks it missed less the latest ones still owed to it. Missed ticks are the hub's tick count
 * since the lag began for a consumer of every instrument; a consumer of named instruments counts
 * the ticks of its instruments as they pass it by.
 */
import type { ConsumerOutbox } from './consumer-outbox';
import type { Channel } from './hub-channel';
import type { Consumer } from './hub-consumer';

export interface ConsumerLagOptions {
  highWaterBytes: number;
  maxHighWaterBytes: number;
  allowanceMs: number;
  rateWindowMs: number;
  lowWaterBytes: number;
  drainCheckMs: number;
  channels: ReadonlyMap<number, Channel>;
  /** The hub's tick counter (it numbers every accepted packet). */
  seq: () => number;
  outbox: ConsumerOutbox;
}

export class ConsumerLag {
  private readonly lagging = new Set<Consumer>();
  private readonly timer: NodeJS.Timeout;
  private ratesAt = performance.now();

  constructor(
    private readonly options: ConsumerLagOptions,
    private readonly consumers: () => Iterable<Consumer>,
  ) {
    this.timer = setInterval(() => this.check(), options.drainCheckMs);
    this.timer.unref();
  }

  /** The high-water mark of a consumer not yet measured. */
  get floor(): number {
    return this.options.highWaterBytes;
  }

  /** After a send: a consumer whose socket backed up past its high-water mark starts lagging. */
  afterSend(consumer: Consumer): void {
    if (consumer.lagging || consumer.sink.bufferedAmount() <= consumer.highWater) return;
    consumer.lagging = true;
    consumer.lagSeq = this.options.seq();
    consumer.lagTicks = 0;
    this.lagging.add(consumer);
  }

  /**
   * Ticks the consumer lost so far: in lags that ended, and in the current one those already
   * replaced by a later tick of their instrument. It never decreases, even when a lag ends.
   */
  conflated(consumer: Consumer): number {
    if (!consumer.lagging) return consumer.conflatedTotal;
    return consumer.conflatedTotal + Math.max(0, this.missed(consumer) - this.owed(consumer).length);
  }

  /** Ticks a consumer removed now never got: those conflated, and while lagging every one it missed. */
  lostOnRemoval(consumer: Consumer): number {
    return consumer.conflatedTotal + (consumer.lagging ? this.missed(consumer) : 0);
  }

  /** Forgets a consumer that is gone. */
  drop(consumer: Consumer): void {
    this.lagging.delete(consumer);
  }

  close(): void {
    clearInterval(this.timer);
  }

  private check(): void {
    const { lowWaterBytes, highWaterBytes } = this.options;
    for (const consumer of this.lagging) {
      const lowWater = (consumer.highWater * lowWaterBytes) / highWaterBytes;
      if (consumer.sink.bufferedAmount() <= lowWater) this.resume(consumer);
    }
    const now = performance.now();
    if (now - this.ratesAt >= this.options.rateWindowMs) this.measureRates(now);
  }

  /** Sets each consumer's high-water mark from what it received since the last measurement. */
  private measureRates(now: number): void {
    const { highWaterBytes, maxHighWaterBytes, allowanceMs } = this.options;
    const seconds = (now - this.ratesAt) / 1000;
    this.ratesAt = now;
    for (const consumer of this.consumers()) {
      const bytesPerSecond = (consumer.sentBytes - consumer.rateMark) / seconds;
      consumer.rateMark = consumer.sentBytes;
      // A lagging consumer is sent nothing: its rate says nothing about what it can take.
      if (consumer.lagging) continue;
      consumer.highWater = Math.min(maxHighWaterBytes, Math.max(highWaterBytes, (bytesPerSecond * allowanceMs) / 1000));
    }
  }

  /** A lagging consumer has drained: tell it what it lost, then send the latest of what changed. */
  private resume(consumer: Consumer): void {
    const owed = this.owed(consumer);
    const conflated = Math.max(0, this.missed(consumer) - owed.length);
    consumer.lagging = false;
    this.lagging.delete(consumer);
    consumer.conflatedTotal += conflated;
    consumer.sink.send(
      JSON.stringify({
        type: 'lagged',
        conflated,
        message: `This connection fell behind; ${conflated} older ticks were replaced by the latest tick of their instrument.`,
      }),
    );
    owed.sort((a, b) => a.seq - b.seq); // in the order they happened
    const { outbox } = this.options;
    for (const channel of owed) outbox.deliver(consumer, channel);
    outbox.send(consumer);
  }

  /** Ticks of its instruments published since the consumer started lagging. */
  private missed(consumer: Consumer): number {
    return consumer.all ? this.options.seq() - consumer.lagSeq : consumer.lagTicks;
  }

  /** Its instruments that ticked since it started lagging: their latest ticks are owed to it. */
  private owed(consumer: Consumer): Channel[] {
    const { channels } = this.options;
    const owed: Channel[] = [];
    const since = consumer.lagSeq;
    if (consumer.all) {
      for (const channel of channels.values()) if (channel.seq > since && channel.length > 0) owed.push(channel);
    } else {
      for (const token of consumer.tokens) {
        const channel = channels.get(token)!;
        if (channel.seq > since && channel.length > 0) owed.push(channel);
      }
    }
    return owed;
  }
}
