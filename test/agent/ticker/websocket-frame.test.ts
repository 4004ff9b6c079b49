/** Client frames: the three length encodings, masking, and which close codes a peer may send. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientFrame, closePayload, isValidCloseCode, OP_BINARY, OP_CLOSE, OP_TEXT } from '../../../agent/ticker/websocket-frame';

function unmask(frame: Buffer): { opcode: number; fin: boolean; payload: Buffer } {
  let length = frame[1]! & 0x7f;
  let at = 2;
  if (length === 126) {
    length = frame.readUInt16BE(2);
    at = 4;
  } else if (length === 127) {
    length = frame.readUInt32BE(6);
    at = 10;
  }
  assert.ok(frame[1]! & 0x80, 'a client frame is masked');
  const mask = frame.subarray(at, at + 4);
  const payload = Buffer.from(frame.subarray(at + 4).map((byte, i) => byte ^ mask[i & 3]!));
  assert.equal(payload.byteLength, length);
  return { opcode: frame[0]! & 0x0f, fin: (frame[0]! & 0x80) !== 0, payload };
}

test('payloads of every size come back as sent, behind the right length encoding', () => {
  for (const [size, header] of [[0, 6], [125, 6], [126, 8], [65535, 8], [65536, 14]] as const) {
    const payload = Buffer.from(Array.from({ length: size }, (_, i) => i % 251));
    const frame = clientFrame(OP_BINARY, payload);
    assert.equal(frame.byteLength, header + size, `${size} bytes`);
    assert.deepEqual(unmask(frame), { opcode: OP_BINARY, fin: true, payload });
  }
  assert.equal(unmask(clientFrame(OP_TEXT, Buffer.from('hi'))).payload.toString(), 'hi');
  assert.equal(unmask(clientFrame(OP_CLOSE, closePayload(1000))).payload.readUInt16BE(0), 1000);
});

test('close codes a peer may send', () => {
  const valid = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999];
  const invalid = [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535];
  for (const code of valid) assert.equal(isValidCloseCode(code), true, String(code));
  for (const code of invalid) assert.equal(isValidCloseCode(code), false, String(code));
});
