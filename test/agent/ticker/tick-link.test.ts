/** The tick link between workers and the agent: framing, keys, and every way a link goes bad. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { LINK_HEADER, LINK_MAX_FRAME, LinkFrameReader, TickLinkClient, TickLinkServer } from '../../../agent/ticker/tick-link';
import { waitFor } from '../../helpers/test-agent';

interface Received {
  frames: Array<{ bytes: number[]; receivedAt: number }>;
  closed: string[];
}

function recorder(answer: (bytes: Uint8Array) => string | undefined = () => undefined) {
  const received: Received = { frames: [], closed: [] };
  return {
    received,
    handlers: {
      frame: (bytes: Uint8Array, receivedAt: number) => {
        received.frames.push({ bytes: [...bytes], receivedAt });
        return answer(bytes);
      },
      closed: (reason: string) => received.closed.push(reason),
    },
  };
}

async function openServer(t: { after: (fn: () => Promise<void>) => void }) {
  const server = await TickLinkServer.open();
  t.after(() => server.close());
  return server;
}

/** A raw client that writes whatever bytes it is given. */
function rawClient(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.once('error', reject);
    socket.once('connect', () => resolve(socket));
  });
}

const noFlow = { pause: () => undefined, resume: () => undefined };

function header(length: number, receivedAt: number): Buffer {
  const bytes = Buffer.alloc(LINK_HEADER);
  bytes.writeUInt32BE(length, 0);
  bytes.writeDoubleBE(receivedAt, 4);
  return bytes;
}

test('frames arrive intact and in order, large and small, with their arrival times', async (t) => {
  const server = await openServer(t);
  const { received, handlers } = recorder();
  const expected = server.expect(handlers);
  const client = await TickLinkClient.connect(server.path, expected.key, noFlow);
  const big = Uint8Array.from({ length: 1_500_000 }, (_, i) => i % 251); // past the client's first buffer
  const frames = [Uint8Array.of(1, 2, 3), big, new Uint8Array(0), Uint8Array.of(9)];
  // The client copies: the sender may reuse its memory as soon as send() returns.
  const scratch = new Uint8Array(1_500_000);
  frames.forEach((bytes, i) => {
    scratch.set(bytes);
    client.send(scratch.subarray(0, bytes.byteLength), 1000.5 + i);
    scratch.fill(0xee);
  });
  await waitFor('all frames', () => (received.frames.length === frames.length ? true : undefined));
  assert.deepEqual(received.frames.map((f) => f.receivedAt), [1000.5, 1001.5, 1002.5, 1003.5]);
  received.frames.forEach((f, i) => assert.deepEqual(f.bytes, [...frames[i]!]));
  client.close();
  await waitFor('close', () => (received.closed.length === 1 ? true : undefined));
  assert.match(received.closed[0]!, /closed its tick link/);
});

test('the reader cuts a stream into the same frames however it is split', () => {
  const frames = [Uint8Array.of(7, 7), new Uint8Array(40).fill(3), Uint8Array.of(), Uint8Array.of(5)];
  const stream = Buffer.concat(frames.flatMap((f, i) => [header(f.length, i), Buffer.from(f)]));
  for (const size of [1, 2, 5, 11, 12, 13, stream.length]) {
    const got: Array<[number[], number]> = [];
    const reader = new LinkFrameReader((bytes, at) => {
      got.push([[...bytes], at]);
      return undefined;
    });
    for (let at = 0; at < stream.length; at += size) assert.equal(reader.push(stream.subarray(at, at + size)), undefined);
    assert.deepEqual(got, frames.map((f, i) => [[...f], i]), `chunks of ${size}`);
  }
});

test('a bad header or a frame the agent refuses ends the link with the reason', async (t) => {
  const server = await openServer(t);
  const cases: Array<[Buffer, RegExp, ((bytes: Uint8Array) => string | undefined)?]> = [
    [header(LINK_MAX_FRAME + 1, 1), /past the .* limit/],
    [header(0, Number.NaN), /no valid arrival time/],
    [Buffer.concat([header(1, 1), Buffer.of(0)]), /refused/, () => 'refused'],
  ];
  for (const [bytes, reason, answer] of cases) {
    const { received, handlers } = recorder(answer);
    const expected = server.expect(handlers);
    const socket = await rawClient(server.path);
    socket.on('error', () => undefined);
    socket.write(Buffer.concat([Buffer.from(expected.key, 'hex'), bytes]));
    await waitFor('the link to end', () => (received.closed.length === 1 ? true : undefined));
    assert.match(received.closed[0]!, reason);
  }
});

test('a wrong, reused or cancelled key gets no link', async (t) => {
  const server = await openServer(t);
  const { received, handlers } = recorder();
  const expected = server.expect(handlers);
  const closedBy = (socket: Socket) => new Promise<void>((resolve) => socket.on('close', () => resolve()));

  const wrong = await rawClient(server.path);
  wrong.write(Buffer.concat([Buffer.alloc(32, 0xab), header(1, 1), Buffer.of(1)]));
  await closedBy(wrong);

  const right = await TickLinkClient.connect(server.path, expected.key, noFlow);
  right.send(Uint8Array.of(42), 5);
  await waitFor('the frame', () => (received.frames.length === 1 ? true : undefined));

  const reused = await rawClient(server.path);
  reused.write(Buffer.concat([Buffer.from(expected.key, 'hex'), header(1, 1), Buffer.of(1)]));
  await closedBy(reused);
  assert.deepEqual(received.frames.map((f) => f.bytes), [[42]], 'only the rightful holder of the key was heard');

  const cancelled = server.expect(recorder().handlers);
  cancelled.cancel();
  const late = await rawClient(server.path);
  late.write(Buffer.from(cancelled.key, 'hex'));
  await closedBy(late);
});

test('cancel() ends an open link without reporting it as a failure; close() removes the socket', async () => {
  const server = await TickLinkServer.open();
  const { received, handlers } = recorder();
  const expected = server.expect(handlers);
  const client = await TickLinkClient.connect(server.path, expected.key, noFlow);
  const ended = new Promise<void>((resolve) => client.onClose(() => resolve()));
  client.send(Uint8Array.of(1), 1);
  await waitFor('the frame', () => (received.frames.length === 1 ? true : undefined));
  expected.cancel();
  await ended;
  assert.deepEqual(received.closed, []);
  await server.close();
  if (process.platform !== 'win32') assert.equal(existsSync(dirname(server.path)), false);
});

test('an agent that stops reading pauses the sender; nothing is lost, and it resumes', async (t) => {
  // A stand-in agent that takes the key and then reads only when told.
  const dir = mkdtempSync(join(tmpdir(), 'link-test-'));
  const path = join(dir, 'agent.sock');
  let agentSide: Socket | undefined;
  const server = createServer({ pauseOnConnect: true }, (socket) => (agentSide = socket));
  await new Promise<void>((resolve) => server.listen(path, resolve));
  t.after(async () => {
    agentSide?.destroy();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });
  const events: string[] = [];
  const flow = { pause: () => events.push('pause'), resume: () => events.push('resume') };
  const client = await TickLinkClient.connect(path, 'ab'.repeat(32), flow, { highWaterBytes: 256 * 1024 });
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
  let key = Buffer.alloc(0);
  agentSide!.on('data', (chunk: Buffer) => {
    if (key.byteLength < 32) {
      const take = Math.min(32 - key.byteLength, chunk.byteLength);
      key = Buffer.concat([key, chunk.subarray(0, take)]);
      chunk = chunk.subarray(take);
    }
    if (chunk.byteLength > 0) assert.equal(reader.push(chunk), undefined);
  });
  agentSide!.resume();
  await waitFor('every frame', () => (got.length === sent ? true : undefined));
  assert.deepEqual(got, Array.from({ length: sent }, (_, i) => i), 'in order, none missing');
  assert.equal(key.toString('hex'), 'ab'.repeat(32));
  await waitFor('resumed', () => (events.length === 2 ? true : undefined));
  assert.deepEqual(events, ['pause', 'resume']);
  client.close();
});
