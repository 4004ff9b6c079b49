/** The tick link between workers and the agent: framing, keys, and every way a link goes bad. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { type ExpectedLink, LINK_HEADER, LINK_MAX_FRAME, LinkFrameReader, TickLinkClient, type TickLinkClientOptions, TickLinks } from '../../../agent/ticker/tick-link';
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

function openLinks(t: { after: (fn: () => void) => void }): TickLinks {
  const links = TickLinks.open();
  t.after(() => links.close());
  return links;
}

/** Plays the worker: listens where the agent expects it, and hands back the link it accepts. */
async function worker(link: ExpectedLink, flow = noFlow, options: TickLinkClientOptions = {}): Promise<TickLinkClient> {
  const { accepted } = await TickLinkClient.listen(link.path, link.key, flow, options);
  link.connect();
  return accepted;
}

/** A raw worker that writes whatever bytes it is given once the agent has connected. */
async function rawWorker(path: string, bytes: Buffer): Promise<Server> {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.write(bytes);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return server;
}

const noFlow = { pause: () => undefined, resume: () => undefined };

function header(length: number, receivedAt: number): Buffer {
  const bytes = Buffer.alloc(LINK_HEADER);
  bytes.writeUInt32BE(length, 0);
  bytes.writeDoubleBE(receivedAt, 4);
  return bytes;
}

test('frames arrive intact and in order, large and small, with their arrival times', async (t) => {
  const links = openLinks(t);
  const { received, handlers } = recorder();
  const client = await worker(links.expect(handlers));
  const big = Uint8Array.from({ length: 1_500_000 }, (_, i) => i % 251); // past both sides' first buffers
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
  const links = openLinks(t);
  const cases: Array<[Buffer, RegExp, ((bytes: Uint8Array) => string | undefined)?]> = [
    [header(LINK_MAX_FRAME + 1, 1), /past the .* limit/],
    [header(0, Number.NaN), /no valid arrival time/],
    [Buffer.concat([header(1, 1), Buffer.of(0)]), /refused/, () => 'refused'],
  ];
  for (const [bytes, reason, answer] of cases) {
    const { received, handlers } = recorder(answer);
    const expected = links.expect(handlers);
    const server = await rawWorker(expected.path, bytes);
    expected.connect();
    await waitFor('the link to end', () => (received.closed.length === 1 ? true : undefined));
    assert.match(received.closed[0]!, reason);
    server.close();
  }
});

test('a frame handler that throws ends that link, not the process', async (t) => {
  const links = openLinks(t);
  const { received, handlers } = recorder(() => {
    throw new Error('boom');
  });
  const client = await worker(links.expect(handlers));
  client.send(Uint8Array.of(1), 1);
  await waitFor('the link to end', () => (received.closed.length === 1 ? true : undefined));
  assert.match(received.closed[0]!, /failed to route a frame: boom/);
});

test('no worker on the path is a closed link with the reason', async (t) => {
  const links = openLinks(t);
  const { received, handlers } = recorder();
  links.expect(handlers).connect();
  await waitFor('the failure', () => (received.closed.length === 1 ? true : undefined));
  assert.match(received.closed[0]!, /tick link: .*(ENOENT|ECONNREFUSED)/);
});

test('the worker drops a wrong key and keeps listening; once linked, it stops listening', async (t) => {
  const links = openLinks(t);
  const { received, handlers } = recorder();
  const expected = links.expect(handlers);
  const { accepted } = await TickLinkClient.listen(expected.path, expected.key, noFlow);
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

test('cancel() ends an open link without reporting it as a failure; close() removes the directory', async () => {
  const links = TickLinks.open();
  const { received, handlers } = recorder();
  const expected = links.expect(handlers);
  const client = await worker(expected);
  const ended = new Promise<void>((resolve) => client.onClose(() => resolve()));
  client.send(Uint8Array.of(1), 1);
  await waitFor('the frame', () => (received.frames.length === 1 ? true : undefined));
  expected.cancel();
  await ended;
  const never = links.expect(recorder().handlers);
  never.cancel();
  never.connect(); // a cancelled link is never made
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(received.closed, []);
  links.close();
  if (process.platform !== 'win32') assert.equal(existsSync(dirname(expected.path)), false);
});

test('an agent that stops reading pauses the sender; nothing is lost, and it resumes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'link-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'worker.sock');
  const key = 'ab'.repeat(32);
  const events: string[] = [];
  const flow = { pause: () => events.push('pause'), resume: () => events.push('resume') };
  const { accepted } = await TickLinkClient.listen(path, key, flow, { highWaterBytes: 256 * 1024 });
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

test('a new agent removes the link directories of agents that died without cleaning up, and only those', async () => {
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // a process that has exited
  const abandoned = mkdtempSync(join(tmpdir(), 'algodeck-'));
  writeFileSync(join(abandoned, 'agent.pid'), String(dead));
  const live = mkdtempSync(join(tmpdir(), 'algodeck-'));
  writeFileSync(join(live, 'agent.pid'), String(process.pid));
  const unowned = mkdtempSync(join(tmpdir(), 'algodeck-')); // someone else's use of the prefix
  try {
    const links = TickLinks.open();
    links.close();
    assert.equal(existsSync(abandoned), false, 'the dead agent’s directory is gone');
    assert.equal(existsSync(live), true, 'a running agent’s directory stays');
    assert.equal(existsSync(unowned), true, 'a directory without an owner file stays');
  } finally {
    for (const dir of [abandoned, live, unowned]) rmSync(dir, { recursive: true, force: true });
  }
});
