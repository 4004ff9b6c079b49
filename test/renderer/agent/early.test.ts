/**
 * The early start against a real agent: the boot script's requests and stream (made as a browser
 * with its session cookie would), taken over by the app's own client exactly once, and nothing
 * taken that does not match, or that comes too late.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { api } from '../../../shared/contract/api';
import { STREAM_PATH, STREAM_PROTOCOL } from '../../../shared/contract/stream';
import type { WebSocketLike } from '../../../shared/contract/stream-client';
import { connectAgent } from '../../../renderer/src/agent/agent-connection';
import { abandonEarly, adoptEarlyStream, takeEarlyResponse } from '../../../renderer/src/agent/early';
import { EARLY_GETS, EARLY_SESSION, EARLY_STREAM_PATH, EARLY_STREAM_PROTOCOL, type EarlySocketLike, startEarly } from '../../../renderer/src/boot/early-start';
import { startTestAgent, TEST_TOKEN, type TestAgent } from '../../helpers/test-agent';
import { sleep, waitFor } from '../../helpers/wait';

let agent: TestAgent;
let origin: string;
let cookie: string;

before(async () => {
  agent = await startTestAgent({ simTicksPerSecond: 20 });
  origin = agent.agent.url;
  const signIn = await fetch(`${origin}/api/v1/session`, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: JSON.stringify({ token: TEST_TOKEN }) });
  assert.equal(signIn.status, 200);
  cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
  await agent.api.call('subscribe', { instruments: ['NSE:INFY'], mode: 'full' });
});
after(() => agent.stop());

/** A browser's view of the agent: its cookie on every request and on the stream's upgrade. */
function browserLike(withCookie: boolean, network: string[]) {
  const headers: Record<string, string> = withCookie ? { cookie, origin } : { origin };
  return {
    origin,
    fetch: (url: string, init: RequestInit) => {
      network.push(`GET ${url.slice(origin.length)}`);
      return fetch(url, { ...init, headers });
    },
    openSocket: (url: string, protocols: string[]) => {
      network.push(`WS ${url}`);
      const socket = new WebSocket(url, protocols, { headers, perMessageDeflate: false });
      // A browser reports a failed socket with events, never by throwing: so does this one.
      socket.on('error', () => undefined);
      return socket as unknown as EarlySocketLike;
    },
    now: () => performance.now(),
  };
}

test('the boot script asks for what the app asks first: the same paths and stream as the contract', () => {
  assert.equal(EARLY_SESSION, api.getSession.path);
  assert.deepEqual([...EARLY_GETS], [api.listWatchlists.path, api.getTicker.path, api.getBroker.path]);
  assert.equal(EARLY_STREAM_PATH, STREAM_PATH);
  assert.equal(EARLY_STREAM_PROTOCOL, STREAM_PROTOCOL);
});

test('signed in: the session, then the first GETs and the stream; the app takes each once and the stream carries its ticks', async () => {
  const network: string[] = [];
  const early = startEarly(browserLike(true, network));
  await waitFor('the stream opened once the session was good', () => early.stream !== null);
  assert.deepEqual(network.slice(0, 1), ['GET /api/v1/session']);
  assert.deepEqual(network.slice(1).sort(), [...EARLY_GETS.map((path) => `GET ${path}`), `WS ${origin.replace('http', 'ws')}/api/v1/stream`].sort());
  // The welcome arrives before anyone listens, and is kept for the app.
  await sleep(200);

  const own: string[] = [];
  let sockets = 0;
  const connection = connectAgent({
    url: origin,
    fetch: (url, init) => takeEarlyResponse(early, url, init, performance.now()) ?? (own.push(`${init.method} ${url.slice(origin.length)}`), fetch(url, { ...init, headers: { ...init.headers, cookie, origin } })),
    connect: (url, protocols) => adoptEarlyStream(early, url, protocols) ?? (sockets++, new WebSocket(url, protocols, { headers: { cookie, origin } }) as unknown as WebSocketLike),
    reconnect: { initialDelayMs: 50, maxDelayMs: 250 },
  });
  try {
    const session = await connection.api.call('getSession');
    assert.equal(session.principal, 'session', 'the early session answer is the cookie’s');
    const [{ watchlists }, ticker, broker] = await Promise.all([connection.api.call('listWatchlists'), connection.api.call('getTicker'), connection.api.call('getBroker')]);
    assert.ok(Array.isArray(watchlists));
    assert.ok(Array.isArray(ticker.workers));
    assert.equal(typeof broker, 'object');
    assert.deepEqual(own, [], 'nothing was asked twice');
    assert.equal(early.responses.size, 0);

    // Taken once: the same call again goes to the agent.
    await connection.api.call('getTicker');
    assert.deepEqual(own, ['GET /api/v1/ticker']);

    await waitFor('the adopted stream is open (its welcome was replayed)', () => connection.stream.connectionState === 'open');
    assert.equal(sockets, 0, 'no second stream was opened');
    const ticks: string[] = [];
    connection.stream.on('ticks', (batch) => ticks.push(...batch.map((tick) => tick.instrument)));
    await connection.stream.subscribe('ticks', { instruments: ['NSE:INFY'] });
    await waitFor('ticks through the adopted stream', () => ticks.includes('NSE:INFY'));
  } finally {
    connection.close();
  }
});

test('signed out: only the session is asked (its 401 is the app’s answer), and no stream opens', async () => {
  const network: string[] = [];
  const early = startEarly(browserLike(false, network));
  const session = takeEarlyResponse(early, `${origin}${EARLY_SESSION}`, { method: 'GET', headers: {} }, performance.now());
  assert.ok(session);
  assert.equal((await session).status, 401);
  await sleep(100);
  assert.deepEqual(network, ['GET /api/v1/session']);
  assert.equal(early.stream, null);
});

test('only an exact match is taken: another method, a body, a token header or other subprotocols are made anew', async () => {
  const early = startEarly(browserLike(true, []));
  await waitFor('stream', () => early.stream !== null);
  const url = `${origin}${EARLY_GETS[1]}`;
  assert.equal(takeEarlyResponse(early, url, { method: 'POST', headers: {} }, performance.now()), undefined);
  assert.equal(takeEarlyResponse(early, url, { method: 'GET', headers: {}, body: '{}' }, performance.now()), undefined);
  assert.equal(takeEarlyResponse(early, url, { method: 'GET', headers: { authorization: 'Bearer x' } }, performance.now()), undefined);
  assert.equal(takeEarlyResponse(early, `${url}?x=1`, { method: 'GET', headers: {} }, performance.now()), undefined);
  const streamUrl = `${origin.replace('http', 'ws')}${STREAM_PATH}`;
  assert.equal(adoptEarlyStream(early, streamUrl, [STREAM_PROTOCOL, 'bearer.x']), undefined);
  assert.equal(adoptEarlyStream(early, `${streamUrl}?format=binary`, [STREAM_PROTOCOL]), undefined);
  assert.ok(takeEarlyResponse(early, url, { method: 'GET', headers: {} }, performance.now()), 'the exact request is still there');
  abandonEarly(early);
});

test('too late: nothing is taken after the early start expires, and its unclaimed stream is closed', async () => {
  const early = startEarly(browserLike(true, []));
  await waitFor('stream', () => early.stream !== null);
  const socket = early.stream!.socket as unknown as WebSocket;
  await waitFor('open', () => socket.readyState === WebSocket.OPEN);
  assert.equal(takeEarlyResponse(early, `${origin}${EARLY_GETS[0]}`, { method: 'GET', headers: {} }, early.expiresAt + 1), undefined);
  assert.equal(early.abandoned, true);
  assert.equal(early.responses.size, 0);
  assert.equal(early.stream, null);
  await waitFor('the unclaimed stream is closed', () => socket.readyState === WebSocket.CLOSED);
});

test('a stream that closed before the app took it: the close is replayed after the welcome, and the client reconnects', async () => {
  const early = startEarly(browserLike(true, []));
  await waitFor('stream', () => early.stream !== null);
  const socket = early.stream!.socket as unknown as WebSocket;
  await sleep(200);
  socket.close();
  await waitFor('closed', () => socket.readyState === WebSocket.CLOSED);
  let sockets = 0;
  const states: string[] = [];
  const connection = connectAgent({
    url: origin,
    fetch: (url, init) => fetch(url, { ...init, headers: { ...init.headers, cookie, origin } }),
    connect: (url, protocols) => adoptEarlyStream(early, url, protocols) ?? (sockets++, new WebSocket(url, protocols, { headers: { cookie, origin } }) as unknown as WebSocketLike),
    reconnect: { initialDelayMs: 50, maxDelayMs: 250 },
  });
  connection.stream.on('state', (state) => states.push(state));
  try {
    await waitFor('a fresh stream after the replayed close', () => sockets === 1 && connection.stream.connectionState === 'open');
    assert.deepEqual(states.slice(0, 2), ['open', 'reconnecting']);
  } finally {
    connection.close();
  }
});
