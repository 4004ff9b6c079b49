/**
 * The simulated market, served as a Kite emulator on one port: Kite's websocket ticker
 * (ticker-feed.ts) and Kite Connect's REST API (kite-rest.ts: login and sessions, profile,
 * instruments, quotes, historical candles), so the official `kiteconnect` client, its ticker and
 * our own Kite adapter run against it as against Kite. Both check the same sessions
 * (kite-sessions.ts), and both read the same market: one price process per listed instrument
 * (instrument-listing.ts), which also fills the orders (kite-orders.ts), whose every change goes
 * to the websockets as Kite's order postback. Fault switches (kite-faults.ts) make it misbehave
 * on purpose.
 *
 * With `historyFrom`, each market resumes the seed's simulated history (sim-history.ts) at that
 * minute instead of opening at its base price, so history and live prices join up.
 */
import { createServer, STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { MINUTE_MS } from '../../../shared/market-session';
import { InstrumentListing } from './instrument-listing';
import type { KiteFaults } from './kite-faults';
import { KiteOrderBook } from './kite-orders';
import { createKiteRest } from './kite-rest';
import { KiteRateLimiter, type RestStats } from './kite-rate-limits';
import { KiteSessions, tokenDigest } from './kite-sessions';
import { PriceProcess } from './price-process';
import { SimHistory } from './sim-history';
import { resolveSimTickerOptions, type SimTickerServerOptions } from './sim-ticker-options';
import { hasTickerCredentials, tickerAccessToken } from './ticker-request';
import { TickerFeed } from './ticker-feed';
import type { SimInstrument } from './universe';

export type { SimTickerLimits, SimTickerServerOptions } from './sim-ticker-options';
export type { KiteFaults } from './kite-faults';

export interface SimTickerStats {
  connections: number;
  /** Distinct instruments subscribed by at least one connection. */
  subscribedTokens: number;
  packetsSent: number;
  /** Binary data frames, heartbeats not counted. */
  framesSent: number;
  /** REST requests charged to the API key, and those answered 429, per rate class. */
  rest: RestStats;
  /** Orders placed. */
  orders: number;
}

export interface SimTickerServer {
  /** The websocket ticker's URL (`ws://host:port`). */
  url: string;
  /** The REST API's root (`http://host:port`): the official client's `root`. */
  httpUrl: string;
  port: number;
  apiKey: string;
  apiSecret: string;
  faults: KiteFaults;
  close(): Promise<void>;
  /** Terminates every client connection abruptly (no close frame), as a network failure would. */
  dropConnections(): void;
  stats(): SimTickerStats;
}

const MAX_MESSAGE_BYTES = 1024 * 1024;
/** A quote request names up to 1000 instruments in its query string: more than Node's default 16 KiB of header. */
const MAX_HEADER_BYTES = 64 * 1024;

function rejectUpgrade(socket: Duplex, status: number, message: string, errorType: string): void {
  const body = JSON.stringify({ status: 'error', message, data: null, error_type: errorType });
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export async function startSimTickerServer(options: SimTickerServerOptions): Promise<SimTickerServer> {
  const resolved = resolveSimTickerOptions(options);
  const { seed, historyFrom, limits } = resolved;
  const history = new SimHistory(seed);
  // At its base price, or where its simulated history stands (at the start, or now for one listed later).
  const makeProcess = (instrument: SimInstrument, initial: boolean) =>
    historyFrom === undefined
      ? new PriceProcess(instrument, seed)
      : new PriceProcess(instrument, seed, history.startState(instrument, initial ? historyFrom : Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS));
  const listing = new InstrumentListing(resolved.universe, makeProcess);
  const sessions = new KiteSessions({
    apiKey: resolved.apiKey,
    apiSecret: resolved.apiSecret,
    accessToken: resolved.accessToken,
    redirectUrl: resolved.redirectUrl,
    user: { userId: resolved.userId, userName: 'Simulated Trader', userShortname: 'Simulated', email: 'trader@example.com' },
  });
  const limiter = new KiteRateLimiter(resolved.rateLimits);
  const feed = new TickerFeed({ ...resolved, listing, instrumentsPerConnection: limits.instrumentsPerConnection });
  sessions.onRevoke((digest) => feed.closeRevoked(digest));
  const switches = { silent: false, serverErrors: false, loseOrderAnswers: false };
  let postbacks = true;
  let closed = false;
  const orders = new KiteOrderBook({
    listing,
    snapshot: (slot, out) => feed.snapshot(slot, out, true),
    userId: resolved.userId,
    apiSecret: resolved.apiSecret,
    onChange: (postback) => {
      if (postbacks) feed.sendText(JSON.stringify({ type: 'order', data: postback }));
    },
  });

  const stats = (): SimTickerStats => ({
    connections: feed.connectionCount,
    subscribedTokens: feed.subscribedInstruments,
    packetsSent: feed.packetsSent,
    framesSent: feed.framesSent,
    rest: limiter.stats(),
    orders: orders.count,
  });
  const faults: KiteFaults = {
    expireTokens: () => sessions.expireAll(),
    dropConnections: () => feed.dropConnections(),
    silent(on) {
      switches.silent = on;
      feed.silent = on;
      if (!on) rest.release();
    },
    serverErrors(on) {
      switches.serverErrors = on;
    },
    delist: (ids) => listing.delist(ids),
    list(instrument) {
      const { slot, instrument: listed } = listing.list(instrument);
      feed.relisted(slot);
      return listed;
    },
    postbacks(on) {
      postbacks = on;
    },
    loseOrderAnswers(on) {
      switches.loseOrderAnswers = on;
    },
    sendText: (text) => feed.sendText(text),
  };
  const rest = createKiteRest({
    sessions,
    apiSecret: resolved.apiSecret,
    listing,
    history,
    limiter,
    snapshot: (slot, out) => feed.snapshot(slot, out, true),
    orders,
    faults,
    switches,
    stats,
  });

  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false, maxPayload: MAX_MESSAGE_BYTES });
  const http = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, rest.handle);
  http.on('upgrade', (request, socket, head) => {
    socket.on('error', () => socket.destroy());
    if (closed) return rejectUpgrade(socket, 503, 'The simulated market is shutting down.', 'NetworkException');
    if (!hasTickerCredentials(request.url, sessions)) {
      return rejectUpgrade(socket, 403, 'Incorrect `api_key` or `access_token`.', 'TokenException');
    }
    if (feed.connectionCount >= limits.connectionsPerKey) {
      return rejectUpgrade(socket, 429, 'Too many requests', 'NetworkException');
    }
    const digest = tokenDigest(tickerAccessToken(request.url!));
    wss.handleUpgrade(request, socket, head, (ws) => feed.attach(ws, digest));
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(resolved.port, resolved.host, () => {
      http.off('error', reject);
      resolve();
    });
  }).catch((error: unknown) => {
    feed.stop();
    orders.stop();
    throw error;
  });
  const address = http.address() as AddressInfo;
  // Bound to every interface: local clients still reach it on loopback.
  const local = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  const host = address.family === 'IPv6' ? `[${local}]` : local;
  let closing: Promise<void> | undefined;

  return {
    url: `ws://${host}:${address.port}`,
    httpUrl: `http://${host}:${address.port}`,
    port: address.port,
    apiKey: resolved.apiKey,
    apiSecret: resolved.apiSecret,
    faults,
    dropConnections: () => feed.dropConnections(),
    stats,
    close() {
      if (!closing) {
        closed = true;
        feed.stop();
        orders.stop();
        rest.dropHeld();
        wss.close();
        closing = new Promise<void>((resolve) => http.close(() => resolve()));
        http.closeAllConnections();
      }
      return closing;
    },
  };
}
