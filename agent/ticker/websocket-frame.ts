/** WebSocket frames as a client writes them (RFC 6455 §5), and the codes both sides use. */
import { randomFillSync } from 'node:crypto';

export const OP_CONTINUATION = 0x0;
export const OP_TEXT = 0x1;
export const OP_BINARY = 0x2;
export const OP_CLOSE = 0x8;
export const OP_PING = 0x9;
export const OP_PONG = 0xa;

/** Close codes a peer may send (RFC 6455 §7.4). */
export function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999);
}

/** One final frame carrying `payload`, masked as client frames must be (§5.3); the payload is copied. */
export function clientFrame(opcode: number, payload: Uint8Array): Buffer {
  const length = payload.byteLength;
  const header = length < 126 ? 6 : length < 65536 ? 8 : 14;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x80 | opcode;
  if (length < 126) frame[1] = 0x80 | length;
  else if (length < 65536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeUInt32BE(0, 2);
    frame.writeUInt32BE(length, 6);
  }
  const mask = header - 4;
  randomFillSync(frame, mask, 4);
  for (let i = 0; i < length; i++) frame[header + i] = payload[i]! ^ frame[mask + (i & 3)]!;
  return frame;
}

/** A close frame's payload: the code, big-endian (no reason). */
export function closePayload(code: number): Buffer {
  const payload = Buffer.allocUnsafe(2);
  payload.writeUInt16BE(code, 0);
  return payload;
}
