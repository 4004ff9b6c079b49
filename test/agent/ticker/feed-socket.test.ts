/**
 * The feed socket against a real `ws` server (and a TLS one), and against a raw TCP server that
 * sends exactly the bytes a test wants: split anywhere, or broken in every way a broker could.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import { FeedSocket, type FeedSocketOptions } from '../../../agent/ticker/feed-socket';
import { sleep, waitFor } from './kite-ws-provider-server';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Everything a feed socket reported, in order. */
class Events {
  readonly log: string[] = [];
  readonly binaries: Buffer[] = [];
  readonly texts: string[] = [];
  statuses: number[] = [];
  closed: { code: number; reason: string; error: string | undefined } | undefined;
  opened = false;

  readonly listener = {
    open: () => {
      this.opened = true;
      this.log.push('open');
    },
    // Copied: the view is valid only during the call.
    binary: (bytes: Uint8Array) => {
      this.binaries.push(Buffer.from(bytes));
      this.log.push(`binary ${bytes.byteLength}`);
    },
    text: (text: string) => {
      this.texts.push(text);
      this.log.push(`text ${text.length}`);
    },
    unexpectedResponse: (status: number) => this.statuses.push(status),
    close: (code: number, reason: string, error: string | undefined) => {
      assert.equal(this.closed, undefined, 'close is reported once');
      this.closed = { code, reason, error };
    },
  };
}

function open(t: TestContext, url: string, options: Partial<FeedSocketOptions> = {}) {
  const events = new Events();
  const socket = new FeedSocket(url, events.listener, { handshakeTimeoutMs: 2000, ...options });
  t.after(() => socket.terminate());
  return { events, socket };
}

async function wsServer(t: TestContext): Promise<{ url: string; connection: Promise<WebSocket> }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise((resolve) => wss.once('listening', resolve));
  t.after(() => {
    for (const client of wss.clients) client.terminate();
    return new Promise((resolve) => wss.close(resolve));
  });
  const connection = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/feed`, connection };
}

/** A TCP server that completes the upgrade (or not) and then writes what the test asks. */
async function rawServer(t: TestContext): Promise<{ url: string; client: Promise<{ socket: Socket; key: string; request: string }> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer();
  const client = new Promise<{ socket: Socket; key: string; request: string }>((resolve) => {
    server.on('connection', (socket) => {
      sockets.push(socket);
      let head = '';
      socket.on('error', () => undefined);
      const onData = (chunk: Buffer) => {
        head += chunk.toString('latin1');
        if (!head.includes('\r\n\r\n')) return;
        socket.off('data', onData);
        const key = /sec-websocket-key: (.*)\r\n/i.exec(head)![1]!;
        resolve({ socket, key, request: head });
      };
      socket.on('data', onData);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/feed?x=1`, client };
}

function accept(key: string, extra = ''): string {
  const answer = createHash('sha1').update(key + GUID).digest('base64');
  return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${answer}\r\n${extra}\r\n`;
}

/** An unmasked server frame. */
function frame(opcode: number, payload: Uint8Array, fin = true): Buffer {
  const length = payload.byteLength;
  const head = length < 126 ? Buffer.from([0, length]) : length < 65536 ? Buffer.from([0, 126, length >> 8, length & 255]) : Buffer.alloc(10);
  if (length >= 65536) {
    head[1] = 127;
    head.writeUInt32BE(length, 6);
  }
  head[0] = (fin ? 0x80 : 0) | opcode;
  return Buffer.concat([head, payload]);
}

async function closed(events: Events): Promise<NonNullable<Events['closed']>> {
  await waitFor('close', () => events.closed !== undefined);
  return events.closed!;
}

test('messages of every length class arrive intact and in order; text is sent masked', async (t) => {
  const { url, connection } = await wsServer(t);
  const { events, socket } = open(t, url, { headers: { 'X-Kite-Version': '3' } });
  const ws = await connection;
  await waitFor('open', () => events.opened);
  const sizes = [0, 1, 125, 126, 65535, 65536, 3_000_000];
  const sent = sizes.map((n) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + n) % 256)));
  for (const bytes of sent) ws.send(bytes);
  ws.send('héllo ✓');
  const received: string[] = [];
  ws.on('message', (data, isBinary) => received.push(`${isBinary}:${String(data)}`));
  socket.send('{"a":"subscribe","v":[408065]}');
  await waitFor('all messages', () => events.texts.length === 1);
  assert.deepEqual(events.binaries.map((b) => b.byteLength), sizes);
  events.binaries.forEach((bytes, i) => assert.ok(bytes.equals(sent[i]!), `message of ${sizes[i]} bytes`));
  assert.deepEqual(events.texts, ['héllo ✓']);
  await waitFor('the client message', () => received.length === 1);
  assert.deepEqual(received, ['false:{"a":"subscribe","v":[408065]}']);
});

test('fragments are joined, pings answered with the same payload, and both closing handshakes work', async (t) => {
  const { url, connection } = await wsServer(t);
  const { events, socket } = open(t, url);
  const ws = await connection;
  await waitFor('open', () => events.opened);
  ws.send(Buffer.from([1, 2]), { fin: false });
  ws.ping(Buffer.from('are you there'));
  ws.send(Buffer.from([3]), { fin: false });
  ws.send(Buffer.from([4, 5]), { fin: true });
  const pong = new Promise<string>((resolve) => ws.once('pong', (data) => resolve(String(data))));
  assert.equal(await pong, 'are you there');
  await waitFor('the joined message', () => events.binaries.length === 1);
  assert.deepEqual([...events.binaries[0]!], [1, 2, 3, 4, 5]);

  const serverSaw = new Promise<number>((resolve) => ws.once('close', resolve));
  socket.close(1000);
  assert.equal(await serverSaw, 1000);
  assert.deepEqual(await closed(events), { code: 1000, reason: '', error: undefined });

  // And the other way round: the server closes with a code and a reason.
  const second = await wsServer(t);
  const other = open(t, second.url);
  (await second.connection).close(4001, 'bye now');
  assert.deepEqual(await closed(other.events), { code: 4001, reason: 'bye now', error: undefined });
});

test('the same stream split at every byte gives the same messages', async (t) => {
  const { url, client } = await rawServer(t);
  const { events } = open(t, url);
  const { socket, key, request } = await client;
  assert.match(request, /^GET \/feed\?x=1 HTTP\/1\.1\r\n/);
  assert.match(request, /\r\nSec-WebSocket-Version: 13\r\n/);
  const big = Buffer.alloc(70_000, 9);
  const stream = Buffer.concat([
    Buffer.from(accept(key), 'latin1'),
    frame(2, Buffer.from([1, 2, 3])),
    frame(1, Buffer.from('ok')),
    frame(2, big.subarray(0, 40_000), false),
    frame(0, big.subarray(40_000)),
    frame(2, Buffer.alloc(0)),
  ]);
  for (let i = 0; i < stream.byteLength; i += 997) {
    // A byte at a time through the head and the first frames, then in odd-sized pieces.
    if (i < 200) for (let j = i; j < Math.min(i + 997, stream.byteLength); j++) socket.write(stream.subarray(j, j + 1));
    else socket.write(stream.subarray(i, i + 997));
    await sleep(1);
  }
  await waitFor('all messages', () => events.binaries.length === 3);
  assert.deepEqual(events.log, ['open', 'binary 3', 'text 2', 'binary 70000', 'binary 0']);
  assert.ok(events.binaries[1]!.equals(big));
});

test('a long stream passes through the reused read buffer intact', async (t) => {
  const { url, client } = await rawServer(t);
  const { events } = open(t, url);
  const { socket, key } = await client;
  // 6 MB of frames whose edges fall anywhere in the reads: partial frames get moved to the front.
  const messages = Array.from({ length: 200 }, (_, i) => Buffer.alloc(30_001 + (i % 7), i));
  const stream = Buffer.concat([Buffer.from(accept(key), 'latin1'), ...messages.map((m) => frame(2, m))]);
  for (let i = 0; i < stream.byteLength; i += 65_537) {
    socket.write(stream.subarray(i, i + 65_537));
    if (i % 10 === 0) await sleep(1);
  }
  await waitFor('every message', () => events.binaries.length === messages.length, 5000);
  events.binaries.forEach((bytes, i) => assert.ok(bytes.equals(messages[i]!), `message ${i}`));
});

test('pause holds messages already read; resume delivers them in order', async (t) => {
  const { url, client } = await rawServer(t);
  const { events, socket } = open(t, url);
  const { socket: server, key } = await client;
  socket.pause(); // asked for while connecting: the handshake is still read
  server.write(Buffer.concat([Buffer.from(accept(key), 'latin1'), frame(2, Buffer.from([1])), frame(2, Buffer.from([2]))]));
  await waitFor('open', () => events.opened);
  await sleep(50);
  assert.deepEqual(events.log, ['open']);
  socket.resume();
  await waitFor('both', () => events.binaries.length === 2);
  assert.deepEqual(events.binaries.map((b) => b[0]), [1, 2]);
});

test('a close frame read after a pause ends the connection cleanly, whatever follows it', async (t) => {
  const { url, client } = await rawServer(t);
  const { events, socket } = open(t, url);
  const { socket: server, key } = await client;
  socket.pause();
  const bye = Buffer.concat([Buffer.from([0x0f, 0xa0]), Buffer.from('bye')]); // 4000 "bye"
  server.write(Buffer.concat([Buffer.from(accept(key), 'latin1'), frame(2, Buffer.from([1])), frame(8, bye)]));
  await waitFor('open', () => events.opened);
  // The client echoes the close; the server then sends one more frame before it hangs up.
  server.once('data', () => server.end(frame(2, Buffer.from([2]))));
  socket.resume();
  assert.deepEqual(await closed(events), { code: 4000, reason: 'bye', error: undefined });
  assert.deepEqual(events.binaries.map((b) => b[0]), [1]);
});

test('terminate() from a listener stops reading at once; listener throws of any kind fail cleanly', async (t) => {
  const first = await rawServer(t);
  const events = new Events();
  const socket = new FeedSocket(first.url, { ...events.listener, binary: () => socket.terminate() }, { handshakeTimeoutMs: 2000 });
  const { socket: server, key } = await first.client;
  server.write(Buffer.concat([Buffer.from(accept(key), 'latin1'), frame(2, Buffer.from([1])), frame(8, Buffer.from([0x0f, 0xa0]))]));
  assert.deepEqual(await closed(events), { code: 1006, reason: '', error: undefined }, 'the close frame behind was not read');

  const second = await rawServer(t);
  const other = new Events();
  const thrower = new FeedSocket(second.url, { ...other.listener, binary: () => {
    throw null; // what a careless listener might do
  } }, { handshakeTimeoutMs: 2000 });
  t.after(() => thrower.terminate());
  const answer = await second.client;
  answer.socket.write(Buffer.concat([Buffer.from(accept(answer.key), 'latin1'), frame(2, Buffer.from([1]))]));
  assert.match((await closed(other)).error ?? '', /failed to read the feed: null/);
});

test('text keeps a leading byte-order mark', async (t) => {
  const { url, client } = await rawServer(t);
  const { events } = open(t, url);
  const { socket, key } = await client;
  socket.write(Buffer.concat([Buffer.from(accept(key), 'latin1'), frame(1, Buffer.from('\uFEFFhi'))]));
  await waitFor('text', () => events.texts.length === 1);
  assert.equal(events.texts[0], '\uFEFFhi');
});

/** Each case: what the server answers, and what the client must report. */
const broken: Array<[name: string, answer: (key: string) => Buffer, error: RegExp, code?: number]> = [
  ['a masked server frame', (k) => Buffer.concat([Buffer.from(accept(k)), Buffer.from([0x82, 0x81, 1, 2, 3, 4, 5])]), /masked/],
  ['reserved bits', (k) => Buffer.concat([Buffer.from(accept(k)), Buffer.from([0xc2, 0])]), /reserved bits/],
  ['an unknown opcode', (k) => Buffer.concat([Buffer.from(accept(k)), frame(3, Buffer.alloc(1))]), /unknown opcode 3/],
  ['a long control frame', (k) => Buffer.concat([Buffer.from(accept(k)), frame(9, Buffer.alloc(126))]), /control frame/],
  ['a continuation of nothing', (k) => Buffer.concat([Buffer.from(accept(k)), frame(0, Buffer.alloc(1))]), /continuation/],
  ['a message inside a message', (k) => Buffer.concat([Buffer.from(accept(k)), frame(2, Buffer.alloc(1), false), frame(2, Buffer.alloc(1))]), /inside a fragmented/],
  ['invalid UTF-8 text', (k) => Buffer.concat([Buffer.from(accept(k)), frame(1, Buffer.from([0xff, 0xfe]))]), /not valid UTF-8/],
  ['a bad close code', (k) => Buffer.concat([Buffer.from(accept(k)), frame(8, Buffer.from([0x03, 0xed]))]), /invalid code 1005/],
  ['a huge message (header only)', (k) => Buffer.concat([Buffer.from(accept(k)), Buffer.from([0x82, 127, 0, 0, 0, 0, 0x10, 0, 0, 0])]), /longer than 1048576 bytes/],
  ['a frame past 4 GiB', (k) => Buffer.concat([Buffer.from(accept(k)), Buffer.from([0x82, 127, 0, 0, 0, 1, 0, 0, 0, 0])]), /4 GiB/],
  ['a wrong accept key', () => Buffer.from(accept('not the key')), /Sec-WebSocket-Accept/],
  ['an extension not offered', (k) => Buffer.from(accept(k, 'Sec-WebSocket-Extensions: permessage-deflate\r\n')), /extension/],
  ['no upgrade header', (k) => Buffer.from(accept(k).replace('Upgrade: websocket\r\n', '')), /Upgrade: websocket/],
  ['not HTTP at all', () => Buffer.from('SSH-2.0-OpenSSH\r\n\r\n'), /not an HTTP response/],
  ['an endless response head', () => Buffer.alloc(20_000, 'a'), /too large/],
];

for (const [name, answer, error] of broken) {
  test(`fails cleanly on ${name}`, async (t) => {
    const { url, client } = await rawServer(t);
    const { events } = open(t, url, { maxMessageBytes: 1024 * 1024 });
    const { socket } = await client;
    socket.write(answer((await client).key));
    const result = await closed(events);
    assert.match(result.error ?? '', error);
    assert.equal(result.code, 1006);
    assert.deepEqual(events.binaries, []);
  });
}

test('an HTTP refusal is reported with its status', async (t) => {
  const { url, client } = await rawServer(t);
  const { events } = open(t, url);
  (await client).socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
  const result = await closed(events);
  assert.deepEqual(events.statuses, [403]);
  assert.match(result.error ?? '', /unexpected server response: 403/);
  assert.equal(events.opened, false);
});

test('a server that never answers times out; close() while connecting aborts', async (t) => {
  const { url, client } = await rawServer(t);
  const { events } = open(t, url, { handshakeTimeoutMs: 100 });
  await client;
  assert.match((await closed(events)).error ?? '', /timed out/);

  const second = await rawServer(t);
  const other = open(t, second.url);
  await second.client;
  other.socket.close();
  assert.match((await closed(other.events)).error ?? '', /before the connection was established/);
});

test('a refused connection and a bad URL or header fail without a throw from the socket', async (t) => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  const { events } = open(t, `ws://127.0.0.1:${port}/`);
  assert.match((await closed(events)).error ?? '', /ECONNREFUSED/);
  assert.throws(() => new FeedSocket('http://example.com/', new Events().listener, { handshakeTimeoutMs: 10 }), /ws: or wss:/);
  assert.throws(() => new FeedSocket('ws://127.0.0.1:1/', new Events().listener, { handshakeTimeoutMs: 10, headers: { 'X-A': 'b\r\nEvil: 1' } }), /invalid HTTP header/);
});

test('wss: connects over TLS and reads the same way', async (t) => {
  const fixtures = new URL('../../fixtures/tls/', import.meta.url);
  const cert = readFileSync(new URL('localhost.crt', fixtures));
  const server = createHttpsServer({ cert, key: readFileSync(new URL('localhost.key', fixtures)) });
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const client of wss.clients) client.terminate();
    return new Promise((resolve) => server.close(resolve));
  });
  wss.on('connection', (ws) => {
    ws.send(Buffer.alloc(200_000, 5));
    ws.on('message', (data) => ws.send(`echo ${String(data)}`));
  });
  const { port } = server.address() as AddressInfo;
  // The fixture certificate is self-signed, for localhost and 127.0.0.1.
  const { events, socket } = open(t, `wss://localhost:${port}/`, { tls: { ca: cert } });
  await waitFor('open', () => events.opened);
  socket.send('hi');
  await waitFor('echo', () => events.texts.length === 1);
  assert.deepEqual(events.texts, ['echo hi']);
  assert.ok(events.binaries[0]!.equals(Buffer.alloc(200_000, 5)));

  // Without the CA the certificate is refused.
  const strict = open(t, `wss://localhost:${port}/`);
  assert.match((await closed(strict.events)).error ?? '', /self[- ]signed/i);
});
