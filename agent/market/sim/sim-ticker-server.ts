/**
 * The simulated exchange's websocket ticker: speaks Kite's ticker protocol (see the Kite
 * protocol notes) so ticker workers connect to it exactly as they connect to Kite.
 *
 * There is one market: each instrument's price process lives here, ticks once per due time on a
 * timing wheel, and the same tick is encoded for every connection subscribed to it. Every
 * `frameIntervalMs` (default 25 ms: well under a human's notice, few enough sends to stay cheap)
 * each connection gets at most one binary frame holding all its packets, or a 1-byte heartbeat
 * when it has had nothing for `heartbeatMs`.
 *
 * With `historyFrom`, each market resumes the seed's simulated history (sim-history.ts) at that
 * minute instead of opening at its base price, so history and live prices join up.
 */
import { createServer, STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { TickMode } from '../../../shared/tick';
import { KiteFrameBuilder } from './frame-builder';
import { PriceProcess, SeededRandom, createPacketFields, instrumentSeed } from './price-process';
import { kiteRestHandler } from './kite-rest';
import { SimHistory } from './sim-history';
import { hasTickerCredentials, parseTickerRequest, type TickerRequest } from './ticker-request';
import { TickWheel } from './tick-wheel';
import { resolveSimTickerOptions, type SimTickerServerOptions } from './sim-ticker-options';
import type { SimInstrument } from './universe';

export type { SimTickerLimits, SimTickerServerOptions } from './sim-ticker-options';

export interface SimTickerStats {
  connections: number;
  /** Distinct instruments subscribed by at least one connection. */
  subscribedTokens: number;
  packetsSent: number;
  /** Binary data frames, heartbeats not counted. */
  framesSent: number;
}

export interface SimTickerServer {
  url: string;
  port: number;
  close(): Promise<void>;
  /** Terminates every client connection abruptly (no close frame), as a network failure would. */
  dropConnections(): void;
  stats(): SimTickerStats;
}

const MODES: readonly TickMode[] = ['ltp', 'ltp', 'quote', 'full']; // index = mode code; 0 = none
const MODE_CODE: Record<TickMode, number> = { ltp: 1, quote: 2, full: 3 };
const HEARTBEAT = Buffer.from([0]);
/** A client this far behind loses frames instead of growing our memory without bound. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** After a stall, an instrument ticks once to catch up instead of replaying every missed tick. */
const MAX_CATCH_UP_MS = 1000;
const MAX_MESSAGE_BYTES = 1024 * 1024;

interface Connection {
  ws: WebSocket;
  /** Mode code per universe index; 0 = not subscribed. */
  modes: Uint8Array;
  subscribed: number;
  frames: KiteFrameBuilder;
  lastSentMs: number;
  open: boolean;
}

function rejectUpgrade(socket: Duplex, status: number, message: string, errorType: string): void {
  const body = JSON.stringify({ status: 'error', message, data: null, error_type: errorType });
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** One market per instrument: at its base price, or where its simulated history stands at `historyFrom`. */
function createProcesses(universe: readonly SimInstrument[], seed: number, historyFrom: number | undefined): PriceProcess[] {
  if (historyFrom === undefined) return universe.map((instrument) => new PriceProcess(instrument, seed));
  const history = new SimHistory(seed);
  return universe.map((instrument) => new PriceProcess(instrument, seed, history.startState(instrument, historyFrom)));
}

export async function startSimTickerServer(options: SimTickerServerOptions): Promise<SimTickerServer> {
  const resolved = resolveSimTickerOptions(options);
  const { universe, seed, historyFrom, ticksPerSecond, frameIntervalMs, heartbeatMs, limits } = resolved;
  const indexOf = new Map<number, number>();
  universe.forEach((instrument, index) => indexOf.set(instrument.token, index));
  const processes = createProcesses(universe, seed, historyFrom);
  const subscribers = new Uint16Array(universe.length);
  const fields = createPacketFields();
  const scheduling = new SeededRandom(instrumentSeed(seed, 0x5eed));
  const intervalMs = 1000 / ticksPerSecond;
  const wheel = new TickWheel(universe.length, frameIntervalMs, 1.5 * intervalMs + frameIntervalMs);
  const connections: Connection[] = [];
  let activeInstruments = 0;
  let packetsSent = 0;
  let framesSent = 0;
  let now = Date.now();
  let closed = false;

  function flush(connection: Connection): void {
    const frame = connection.frames.take();
    if (!frame) return;
    connection.ws.send(frame, { binary: true });
    connection.lastSentMs = now;
    framesSent++;
  }

  function append(connection: Connection, mode: TickMode): void {
    connection.frames.append(mode, fields);
    packetsSent++;
    if (connection.frames.full) flush(connection);
  }

  // Hot path: one market step, encoded for each subscribed connection. No allocation.
  function fire(index: number, dueMs: number): number {
    if (subscribers[index] === 0) return -1;
    // Long overdue (a stall, or a stale slot from an earlier subscription): tick now, once.
    const at = dueMs < now - MAX_CATCH_UP_MS ? now : dueMs;
    processes[index]!.step(at, fields);
    for (let c = 0; c < connections.length; c++) {
      const connection = connections[c]!;
      const code = connection.modes[index]!;
      if (code !== 0) append(connection, MODES[code]!);
    }
    return at + intervalMs * (0.5 + scheduling.next());
  }

  function onFrameTimer(): void {
    if (connections.length === 0) return;
    now = Date.now();
    wheel.advance(now, fire);
    for (const connection of connections) {
      if (connection.ws.bufferedAmount > MAX_BUFFERED_BYTES) connection.frames.discard();
      else flush(connection);
      if (now - connection.lastSentMs >= heartbeatMs) {
        connection.ws.send(HEARTBEAT, { binary: true });
        connection.lastSentMs = now;
      }
    }
  }

  /** The instrument's current state goes out at once, so a quiet instrument still shows a price. */
  function sendSnapshot(connection: Connection, index: number): void {
    const process = processes[index]!;
    if (process.hasStepped) process.fill(fields);
    else process.step(Date.now(), fields);
    append(connection, MODES[connection.modes[index]!]!);
  }

  function sendError(connection: Connection, message: string): void {
    if (connection.open) connection.ws.send(JSON.stringify({ type: 'error', data: message }));
  }

  function addSubscriber(index: number): void {
    const count = subscribers[index]!;
    subscribers[index] = count + 1;
    if (count === 0) activeInstruments++;
  }

  function removeSubscriber(index: number): void {
    const count = subscribers[index]! - 1;
    subscribers[index] = count;
    if (count === 0) activeInstruments--;
  }

  function knownIndices(tokens: readonly number[], connection: Connection, subscribed: boolean): number[] {
    const picked = new Set<number>();
    for (const token of tokens) {
      const index = indexOf.get(token);
      if (index !== undefined && (connection.modes[index] !== 0) === subscribed) picked.add(index);
    }
    return [...picked];
  }

  function handleRequest(connection: Connection, request: TickerRequest): void {
    if (request.action === 'subscribe') {
      // Unknown tokens are ignored and take no room; a request that would overflow is refused whole.
      const fresh = knownIndices(request.tokens, connection, false);
      if (connection.subscribed + fresh.length > limits.instrumentsPerConnection) {
        sendError(connection, `Can't subscribe to more than ${limits.instrumentsPerConnection} instruments.`);
        return;
      }
      now = Date.now();
      for (const index of fresh) {
        connection.modes[index] = MODE_CODE.quote;
        connection.subscribed++;
        addSubscriber(index);
        sendSnapshot(connection, index);
        wheel.schedule(index, now + intervalMs * scheduling.next());
      }
    } else if (request.action === 'unsubscribe') {
      for (const index of knownIndices(request.tokens, connection, true)) {
        connection.modes[index] = 0;
        connection.subscribed--;
        removeSubscriber(index);
      }
    } else {
      // A mode for a token this connection has not subscribed to is ignored.
      for (const index of knownIndices(request.tokens, connection, true)) {
        connection.modes[index] = MODE_CODE[request.mode];
        sendSnapshot(connection, index);
      }
    }
  }

  function onMessage(connection: Connection, data: RawData, isBinary: boolean): void {
    if (isBinary) return sendError(connection, 'Invalid message: binary messages are not accepted.');
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
    const text = bytes.toString('utf8');
    const request = parseTickerRequest(text);
    if ('error' in request) return sendError(connection, request.error);
    handleRequest(connection, request);
  }

  function detach(connection: Connection): void {
    if (!connection.open) return;
    connection.open = false;
    connections.splice(connections.indexOf(connection), 1);
    for (let index = 0; index < connection.modes.length; index++) {
      if (connection.modes[index] !== 0) removeSubscriber(index);
    }
    connection.modes.fill(0);
  }

  function onConnection(ws: WebSocket): void {
    const connection: Connection = {
      ws,
      modes: new Uint8Array(universe.length),
      subscribed: 0,
      frames: new KiteFrameBuilder(),
      lastSentMs: Date.now(),
      open: true,
    };
    connections.push(connection);
    ws.on('message', (data, isBinary) => {
      try {
        onMessage(connection, data, isBinary);
      } catch (error) {
        sendError(connection, `Could not handle the message: ${(error as Error).message}`);
      }
    });
    ws.on('close', () => detach(connection));
    ws.on('error', () => detach(connection));
  }

  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false, maxPayload: MAX_MESSAGE_BYTES });
  // Kite's REST API on the same port, as the emulator serves both.
  const http = createServer(kiteRestHandler({ apiKey: resolved.apiKey, accessToken: resolved.accessToken, universe, seed }));
  http.on('upgrade', (request, socket, head) => {
    socket.on('error', () => socket.destroy());
    if (closed) return rejectUpgrade(socket, 503, 'The simulated market is shutting down.', 'NetworkException');
    if (!hasTickerCredentials(request.url, resolved)) {
      return rejectUpgrade(socket, 403, 'Incorrect `api_key` or `access_token`.', 'TokenException');
    }
    if (connections.length >= limits.connectionsPerKey) {
      return rejectUpgrade(socket, 429, 'Too many requests', 'NetworkException');
    }
    wss.handleUpgrade(request, socket, head, onConnection);
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(resolved.port, resolved.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const timer = setInterval(onFrameTimer, frameIntervalMs);
  const address = http.address() as AddressInfo;
  // Bound to every interface: local clients still reach it on loopback.
  const local = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  const host = address.family === 'IPv6' ? `[${local}]` : local;
  let closing: Promise<void> | undefined;

  function dropConnections(): void {
    for (const connection of [...connections]) {
      detach(connection);
      connection.ws.terminate();
    }
  }

  return {
    url: `ws://${host}:${address.port}`,
    port: address.port,
    dropConnections,
    stats: () => ({ connections: connections.length, subscribedTokens: activeInstruments, packetsSent, framesSent }),
    close() {
      if (!closing) {
        closed = true;
        clearInterval(timer);
        dropConnections();
        wss.close();
        closing = new Promise<void>((resolve) => http.close(() => resolve()));
      }
      return closing;
    },
  };
}
