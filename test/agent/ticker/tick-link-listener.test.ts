/** The worker's end of a tick link: the key check, and flow control when the agent falls behind. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { WorkerTickLink } from '../../../agent/ticker/tick-link-listener';
import { LinkFrameReader } from '../../../agent/ticker/tick-link-wire';
import { waitFor } from '../../helpers/test-agent';
import { noFlow, openLinks, recorder } from '../../helpers/tick-link';

test('the worker drops a wrong key and keeps listening; once linked, it stops listening', async (t) => {
  const links = openLinks(t);
  const { received, handlers } = recorder();
  const expected = links.expect(handlers);
  const { accepted } = await WorkerTickLink.listen(expected.path, expected.key, noFlow);
  const dial = () => connect(expected.path).on('error', () => undefined);
  const closedBy = (socket: Socket) => new Promise<void>((resolve) => socket.on('close', () => resolve()));

  const wrong = dial();
  const wrongClosed = closedBy(wrong);
  wrong.write(Buffer.alloc(32, 0xab));
  await wrongClosed;

  expected.connect();
  const client = await accepted;
  client.send(Uint8Array.of(42), 5);
  await waitFor('the frame', () => (received.frames.length === 1 ? true : undefined));
  const late = dial();
  await closedBy(late);
  assert.equal(late.bytesRead, 0, 'nobody answers on the path any more');
  assert.deepEqual(received.frames.map((f) => f.bytes), [[42]]);
});

test('an agent that stops reading pauses the sender; nothing is lost, and it resumes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'link-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'worker.sock');
  const key = 'ab'.repeat(32);
  const events: string[] = [];
  const flow = { pause: () => events.push('pause'), resume: () => events.push('resume') };
  const { accepted } = await WorkerTickLink.listen(path, key, flow, { highWaterBytes: 256 * 1024 });
  // A stand-in agent that shows the key and then reads only when told.
  const agentSide = connect(path);
  t.after(() => agentSide.destroy());
  agentSide.pause();
  agentSide.write(Buffer.from(key, 'hex'));
  const client = await accepted;
  const frame = new Uint8Array(10_000);
  let sent = 0;
  while (events.length === 0 && sent < 10_000) {
    new DataView(frame.buffer).setUint32(0, sent);
    client.send(frame, sent++);
    if (sent % 20 === 0) await new Promise((resolve) => setImmediate(resolve)); // let writes complete
  }
  assert.deepEqual(events, ['pause'], 'the sender is paused once the agent stops reading');
  assert.ok(client.pendingBytes >= 256 * 1024);

  const got: number[] = [];
  const reader = new LinkFrameReader((bytes, receivedAt) => {
    assert.equal(new DataView(bytes.buffer, bytes.byteOffset).getUint32(0), receivedAt);
    got.push(receivedAt);
    return undefined;
  });
  agentSide.on('data', (chunk: Buffer) => assert.equal(reader.push(chunk), undefined));
  agentSide.resume();
  await waitFor('every frame', () => (got.length === sent ? true : undefined));
  assert.deepEqual(got, Array.from({ length: sent }, (_, i) => i), 'in order, none missing');
  await waitFor('resumed', () => (events.length === 2 ? true : undefined));
  assert.deepEqual(events, ['pause', 'resume']);
  client.close();
});
