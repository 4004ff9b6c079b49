/**
 * Kite's binary market-data message (a frame of packets), defined once: the worker checks each
 * frame with it before forwarding it, the agent's routing walks it again on the hot path, and
 * the tick frame's groups nest the same layout.
 */
import { isKitePacketLength } from './kite-packet';

/** Receives the packets of a frame as it is walked. */
export interface KitePacketVisitor {
  /** One packet: `length` bytes from `offset` in `view`, right behind its uint16 length. */
  packet(view: DataView, offset: number, length: number): void;
}

/** Where a walk says why it stopped early (only written when it did). */
export interface KiteFrameFault {
  reason: string;
}

/** What a walk returns when the bytes are not valid. */
export const NOT_A_KITE_FRAME = -1;

const FAULT_ENDS = 0;
const FAULT_LENGTH = 1;
const FAULT_CUT = 2;

/**
 * The one definition of a valid Kite binary frame. Big-endian:
 *
 *   uint16 count, then `count` times: uint16 length, then `length` bytes of packet.
 *
 * Valid means: each length is one of Kite's packet lengths (`isKitePacketLength`), the frame
 * holds exactly `count` packets, and no byte follows the last one. A 1-byte message is a
 * heartbeat: no packets. Every packet sits right behind its uint16 length, so consecutive
 * packets are a frame's body verbatim, from 2 bytes before the first one's offset to the last
 * one's end: the tick hub relies on this to copy runs of packets in one piece, and a tick
 * frame's group is laid out the same way (see `walkKitePackets`).
 *
 * Walks the frame, handing each packet to `visitor` where it lies, and returns the packet count,
 * or NOT_A_KITE_FRAME at the first fault (the packets before it have been handed over; `fault`
 * says why). The worker checks each frame whole this way before forwarding it, and the agent's
 * routing checks it again while routing it, on the hot path: nothing is allocated per packet,
 * and with one visitor on a process's hot path the call to it is inlined.
 */
export function walkKiteFrame(bytes: Uint8Array, visitor: KitePacketVisitor, fault?: KiteFrameFault): number {
  const end = bytes.byteLength;
  if (end === 1) return 0; // a heartbeat
  if (end < 2) return stopped(fault, `a ${end}-byte frame is shorter than its header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, end);
  const count = view.getUint16(0);
  const at = walkKitePackets(view, 2, end, count, visitor, fault);
  if (at === NOT_A_KITE_FRAME) return at;
  return at === end ? count : stopped(fault, `${end - at} stray bytes after ${count} packets`);
}

/**
 * Walks `count` packets laid out as in a Kite frame's body from `at` in `view`, no further than
 * `end`, by the rules of `walkKiteFrame`: for formats that nest Kite bodies, such as a tick
 * frame's groups. Returns where the packets end (bytes may follow), or NOT_A_KITE_FRAME.
 */
export function walkKitePackets(view: DataView, at: number, end: number, count: number, visitor: KitePacketVisitor, fault?: KiteFrameFault): number {
  for (let i = 0; i < count; i++) {
    if (at + 2 > end) return packetFault(fault, FAULT_ENDS, i, count, 0);
    const length = view.getUint16(at);
    const offset = at + 2;
    at = offset + length;
    if (at > end || !isKitePacketLength(length)) return packetFault(fault, isKitePacketLength(length) ? FAULT_CUT : FAULT_LENGTH, i, count, length);
    visitor.packet(view, offset, length);
  }
  return at;
}

// Kept apart from the walk, so that it stays small enough to be inlined into the routing loop.
function packetFault(fault: KiteFrameFault | undefined, kind: number, index: number, count: number, length: number): number {
  const which = `packet ${index + 1} of ${count}`;
  if (kind === FAULT_ENDS) return stopped(fault, `frame ends before ${which}`);
  if (kind === FAULT_LENGTH) return stopped(fault, `${which} has unknown packet length ${length}`);
  return stopped(fault, `${which} is cut short`);
}

function stopped(fault: KiteFrameFault | undefined, reason: string): number {
  if (fault) fault.reason = reason;
  return NOT_A_KITE_FRAME;
}

/** For a walk that only checks. */
export const IGNORE_PACKETS: KitePacketVisitor = { packet: () => undefined };

/** Checks a whole Kite binary message (see `walkKiteFrame`): its packet count, or why it is malformed. */
export function checkKiteFrame(bytes: Uint8Array): { count: number } | { error: string } {
  const fault = { reason: '' };
  const count = walkKiteFrame(bytes, IGNORE_PACKETS, fault);
  return count === NOT_A_KITE_FRAME ? { error: fault.reason } : { count };
}
