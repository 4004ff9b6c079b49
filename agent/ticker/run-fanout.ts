/**
 * Binary consumers of every instrument get a broker frame's accepted packets a run at a time:
 * each run of consecutive accepted packets is copied into their frames in one piece.
 *
 * This relies on two layouts being one. In a Kite frame (`uint16 count`, then `uint16 length` +
 * packet each) every packet sits right behind its uint16 length, and a tick frame's group is laid
 * out the same way behind its header (shared/tick-frame.ts). So the bytes from the length before
 * a run's first packet to the end of its last are a group's body as they stand. A packet the
 * ticker did not accept (not carried, or of a previous mode) ends a run.
 */
import type { ConsumerOutbox } from './consumer-outbox';
import { NO_BYTES } from './hub-channel';
import type { Consumer } from './hub-consumer';

export class RunFanout {
  /** Binary consumers of every instrument. */
  readonly consumers: Consumer[] = [];
  private frame: Uint8Array = NO_BYTES;
  private receivedAt = 0;
  /** The open run: from its first packet's length field to the end of its last packet. */
  private start = -1;
  private end = -1;
  private count = 0;

  constructor(private readonly outbox: ConsumerOutbox) {}

  /** Starts a broker frame (a Kite frame) received at `receivedAt`. */
  begin(frame: Uint8Array, receivedAt: number): void {
    this.frame = frame;
    this.receivedAt = receivedAt;
    this.count = 0;
    this.end = -1;
  }

  /** Hot path: the accepted packet of `length` bytes at `offset`, its length field at `offset - 2`. */
  add(offset: number, length: number): void {
    if (offset - 2 === this.end) {
      this.end = offset + length;
      this.count++;
      return;
    }
    this.copyRun();
    this.start = offset - 2;
    this.end = offset + length;
    this.count = 1;
  }

  /** Ends the frame: copies the last run and lets go of the frame, whose memory is then reused. */
  finish(): void {
    this.copyRun();
    this.frame = NO_BYTES;
  }

  private copyRun(): void {
    if (this.count === 0) return;
    for (let i = 0; i < this.consumers.length; i++) {
      this.outbox.deliverRun(this.consumers[i]!, this.frame, this.start, this.end, this.count, this.receivedAt);
    }
    this.count = 0;
    this.end = -1;
  }
}
