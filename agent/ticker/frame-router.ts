/**
 * Hot path: routes every packet of a worker's Kite frame to the hub, in the same pass that checks
 * the frame against the one definition of a valid frame (`walkKiteFrame`). Nothing is allocated
 * per packet: the router is the walk's visitor, and the frame's context lives in its fields.
 */
import { type KiteFrameFault, type KitePacketVisitor, NOT_A_KITE_FRAME, walkKiteFrame } from '../../shared/kite-frame';
import type { Subscription } from './desired-subscriptions';
import type { Handovers } from './handover';
import type { TickHub } from './tick-hub';
import type { WorkerSlot } from './worker-slot';

export class FrameRouter implements KitePacketVisitor {
  private readonly fault: KiteFrameFault = { reason: '' };
  // The frame being routed.
  private worker = 0;
  private receivedAt = 0;
  private accepted = 0;

  constructor(
    private readonly byToken: ReadonlyMap<number, Subscription>,
    private readonly hub: TickHub,
    private readonly handovers: Handovers,
  ) {}

  /**
   * Routes one frame from `slot`'s worker. The worker has checked it already, so a bad frame here
   * means a broken link: the packets before the fault are complete and go out, and the error
   * returned ends the link (the worker is replaced).
   */
  route(slot: WorkerSlot, bytes: Uint8Array, receivedAt: number): string | undefined {
    slot.heard(Date.now());
    this.worker = slot.id;
    this.receivedAt = receivedAt;
    this.accepted = 0;
    let count: number;
    this.hub.beginFrame(bytes, receivedAt);
    try {
      count = walkKiteFrame(bytes, this, this.fault);
    } finally {
      this.hub.endFrame(); // the frame's memory is reused after this call: the hub must let go of it
    }
    slot.countTicks(this.accepted, receivedAt);
    return count === NOT_A_KITE_FRAME ? this.fault.reason : undefined;
  }

  /** One packet of the frame being routed. */
  packet(view: DataView, offset: number, length: number): void {
    const sub = this.byToken.get(view.getInt32(offset));
    if (sub === undefined || length !== sub.packetLength) return; // not carried, or of a previous mode
    const worker = this.worker;
    if (sub.worker !== worker) {
      if (sub.handoverFrom !== worker) return; // the old worker's, after its handover
    } else if (sub.handoverFrom !== null) this.handovers.finish(sub); // the new worker's first tick
    sub.count++;
    sub.lastTickAt = this.receivedAt;
    this.accepted++;
    this.hub.tick(sub.channel, offset, length);
  }
}
