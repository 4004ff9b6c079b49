/**
 * The emulator's live feed: Kite's websocket ticker protocol over the listed instruments' price
 * processes (see the Kite protocol notes).
 *
 * There is one market: each instrument's price process ticks once per due time on a timing
 * wheel, and the same tick is encoded for every connection subscribed to it. Every
 * `frameIntervalMs` each connection gets at most one binary frame holding all its packets, or a
 * 1-byte heartbeat when it has had nothing for `heartbeatMs`. While `silent`, nothing at all is
 * sent (the market still moves): a client's idle watchdog should notice.
 *
 * A delisted instrument stops ticking and cannot be subscribed to; a connection that was
 * subscribed keeps the subscription, and streams the next contract listed on that token.
 */
import type { RawData, WebSocket } from 'ws';
import type { TickMode } from '../../../shared/tick';
import type { PacketFields } from '../../../shared/kite-packet';
import { KiteFrameBuilder } from './frame-builder';
import type { InstrumentListing } from './instrument-listing';
import { SeededRandom, createPacketFields, instrumentSeed, type PriceProcess } from './price-process';
import { parseTickerRequest, type TickerRequest } from './ticker-request';
import { TickWheel } from './tick-wheel';

export interface TickerFeedOptions {
  listing: InstrumentListing;
  seed: number;
  ticksPerSecond: number;
  frameIntervalMs: number;
  heartbeatMs: number;
  instrumentsPerConnection: number;
}

const MODES: readonly TickMode[] = ['ltp', 'ltp', 'quote', 'full']; // index = mode code; 0 = none
const MODE_CODE: Record<TickMode, number> = { ltp: 1, quote: 2, full: 3 };
const HEARTBEAT = Buffer.from([0]);
/** A client this far behind loses frames instead of growing our memory without bound. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** After a stall, an instrument ticks once to catch up instead of replaying every missed tick. */
const MAX_CATCH_UP_MS = 1000;
/** How long a closed connection has to answer the close frame before it is cut off. */
const CLOSE_GRACE_MS = 1000;
/** A quote of an instrument nobody streams moves its market on when it is older than this. */
const QUOTE_STALE_MS = 1000;

interface Connection {
  ws: WebSocket;
  /** The SHA-256 (hex) of the access token it opened with, to close it when that is revoked. */
  tokenDigest: string;
  /** Mode code per listing slot; 0 = not subscribed. */
  modes: Uint8Array;
  subscribed: number;
  frames: KiteFrameBuilder;
  lastSentMs: number;
  open: boolean;
}

export class TickerFeed {
  /** While on, connections get no frames (ticks, heartbeats or text). */
  silent = false;
  packetsSent = 0;
  framesSent = 0;
  private readonly connections: Connection[] = [];
  private readonly processes: readonly PriceProcess[];
  private readonly listed: Uint8Array;
  private readonly subscribers: Uint16Array;
  private readonly fields = createPacketFields();
  private readonly scheduling: SeededRandom;
  private readonly intervalMs: number;
  private readonly wheel: TickWheel;
  private readonly timer: NodeJS.Timeout;
  private activeInstruments = 0;
  private now = Date.now();

  constructor(private readonly options: TickerFeedOptions) {
    const { listing, seed, ticksPerSecond, frameIntervalMs } = options;
    this.processes = listing.processes;
    this.listed = listing.listedFlags;
    this.subscribers = new Uint16Array(listing.capacity);
    this.scheduling = new SeededRandom(instrumentSeed(seed, 0x5eed));
    this.intervalMs = 1000 / ticksPerSecond;
    this.wheel = new TickWheel(listing.capacity, frameIntervalMs, 1.5 * this.intervalMs + frameIntervalMs);
    this.timer = setInterval(() => this.onFrameTimer(), frameIntervalMs);
  }

  get connectionCount(): number {
    return this.connections.length;
  }

  get subscribedInstruments(): number {
    return this.activeInstruments;
  }

  attach(ws: WebSocket, tokenDigest: string): void {
    const connection: Connection = {
      ws,
      tokenDigest,
      modes: new Uint8Array(this.options.listing.capacity),
      subscribed: 0,
      frames: new KiteFrameBuilder(),
      lastSentMs: Date.now(),
      open: true,
    };
    this.connections.push(connection);
    ws.on('message', (data, isBinary) => {
      try {
        this.onMessage(connection, data, isBinary);
      } catch (error) {
        this.sendError(connection, `Could not handle the message: ${(error as Error).message}`);
      }
    });
    ws.on('close', () => this.detach(connection));
    ws.on('error', () => this.detach(connection));
  }

  /** Terminates every connection abruptly (no close frame), as a network failure would. */
  dropConnections(): void {
    for (const connection of [...this.connections]) {
      this.detach(connection);
      connection.ws.terminate();
    }
  }

  /** Closes the connections opened with a revoked token (null: every token), with a close frame. */
  closeRevoked(tokenDigest: string | null): void {
    for (const connection of [...this.connections]) {
      if (tokenDigest !== null && connection.tokenDigest !== tokenDigest) continue;
      this.detach(connection);
      connection.ws.close(1008, 'access token is no longer valid');
      // A client that never answers the close frame is cut off soon, not after ws's 30 s.
      setTimeout(() => connection.ws.terminate(), CLOSE_GRACE_MS).unref();
    }
  }

  /** A text frame to every connection (order postbacks); none while silent. Returns how many were sent one. */
  sendText(text: string): number {
    if (this.silent) return 0;
    let sent = 0;
    for (const connection of this.connections) {
      if (!connection.open) continue;
      connection.ws.send(text);
      sent++;
    }
    return sent;
  }

  /** A slot's listing changed: streaming resumes if connections are still subscribed to its token. */
  relisted(slot: number): void {
    if (this.subscribers[slot]! > 0) this.wheel.schedule(slot, Date.now() + this.intervalMs * this.scheduling.next());
  }

  /**
   * The instrument's current state into `out`: stepped once if it never was, or (for quotes) if
   * nobody streams it and its last step is stale, so a quote is live without extra ticks on the feed.
   */
  snapshot(slot: number, out: PacketFields, forQuote = false): void {
    const process = this.options.listing.process(slot);
    const now = Date.now();
    if (!process.hasStepped) return process.step(now, out);
    process.fill(out);
    if (forQuote && this.subscribers[slot] === 0 && now - out.exchangeTimestamp * 1000 >= QUOTE_STALE_MS) process.step(now, out);
  }

  stop(): void {
    clearInterval(this.timer);
    this.dropConnections();
  }

  private flush(connection: Connection): void {
    const frame = connection.frames.take();
    if (!frame) return;
    connection.ws.send(frame, { binary: true });
    connection.lastSentMs = this.now;
    this.framesSent++;
  }

  private append(connection: Connection, mode: TickMode): void {
    connection.frames.append(mode, this.fields);
    this.packetsSent++;
    if (connection.frames.full) {
      if (this.silent) connection.frames.discard();
      else this.flush(connection);
    }
  }

  // Hot path: one market step, encoded for each subscribed connection. No allocation.
  private readonly fire = (index: number, dueMs: number): number => {
    if (this.subscribers[index] === 0 || this.listed[index] === 0) return -1;
    // Long overdue (a stall, or a stale slot from an earlier subscription): tick now, once.
    const at = dueMs < this.now - MAX_CATCH_UP_MS ? this.now : dueMs;
    this.processes[index]!.step(at, this.fields);
    for (let c = 0; c < this.connections.length; c++) {
      const connection = this.connections[c]!;
      const code = connection.modes[index]!;
      if (code !== 0) this.append(connection, MODES[code]!);
    }
    return at + this.intervalMs * (0.5 + this.scheduling.next());
  };

  private onFrameTimer(): void {
    if (this.connections.length === 0) return;
    this.now = Date.now();
    this.wheel.advance(this.now, this.fire);
    for (const connection of this.connections) {
      if (this.silent || connection.ws.bufferedAmount > MAX_BUFFERED_BYTES) connection.frames.discard();
      else this.flush(connection);
      if (!this.silent && this.now - connection.lastSentMs >= this.options.heartbeatMs) {
        connection.ws.send(HEARTBEAT, { binary: true });
        connection.lastSentMs = this.now;
      }
    }
  }

  /** The instrument's current state goes out at once, so a quiet instrument still shows a price. */
  private sendSnapshot(connection: Connection, index: number): void {
    this.snapshot(index, this.fields);
    this.append(connection, MODES[connection.modes[index]!]!);
  }

  private sendError(connection: Connection, message: string): void {
    if (connection.open && !this.silent) connection.ws.send(JSON.stringify({ type: 'error', data: message }));
  }

  private addSubscriber(index: number): void {
    const count = this.subscribers[index]!;
    this.subscribers[index] = count + 1;
    if (count === 0) this.activeInstruments++;
  }

  private removeSubscriber(index: number): void {
    const count = this.subscribers[index]! - 1;
    this.subscribers[index] = count;
    if (count === 0) this.activeInstruments--;
  }

  /**
   * The request's tokens as slots, once each, that are (or are not) subscribed on the connection.
   * Subscribing and mode changes need a listed token; unsubscribing also releases a delisted one.
   */
  private pick(tokens: readonly number[], connection: Connection, subscribed: boolean, listedOnly: boolean): number[] {
    const { listing } = this.options;
    const picked = new Set<number>();
    for (const token of tokens) {
      const index = listedOnly ? listing.slotOfListedToken(token) : listing.slotOfAnyToken(token);
      if (index !== undefined && (connection.modes[index] !== 0) === subscribed) picked.add(index);
    }
    return [...picked];
  }

  private handleRequest(connection: Connection, request: TickerRequest): void {
    const limit = this.options.instrumentsPerConnection;
    if (request.action === 'subscribe') {
      // Unknown tokens are ignored and take no room; a request that would overflow is refused whole.
      const fresh = this.pick(request.tokens, connection, false, true);
      if (connection.subscribed + fresh.length > limit) {
        this.sendError(connection, `Can't subscribe to more than ${limit} instruments.`);
        return;
      }
      this.now = Date.now();
      for (const index of fresh) {
        connection.modes[index] = MODE_CODE.quote;
        connection.subscribed++;
        this.addSubscriber(index);
        this.sendSnapshot(connection, index);
        this.wheel.schedule(index, this.now + this.intervalMs * this.scheduling.next());
      }
    } else if (request.action === 'unsubscribe') {
      for (const index of this.pick(request.tokens, connection, true, false)) {
        connection.modes[index] = 0;
        connection.subscribed--;
        this.removeSubscriber(index);
      }
    } else {
      // A mode for a token this connection has not subscribed to is ignored.
      for (const index of this.pick(request.tokens, connection, true, true)) {
        connection.modes[index] = MODE_CODE[request.mode];
        this.sendSnapshot(connection, index);
      }
    }
  }

  private onMessage(connection: Connection, data: RawData, isBinary: boolean): void {
    if (isBinary) return this.sendError(connection, 'Invalid message: binary messages are not accepted.');
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
    const request = parseTickerRequest(bytes.toString('utf8'));
    if ('error' in request) return this.sendError(connection, request.error);
    this.handleRequest(connection, request);
  }

  private detach(connection: Connection): void {
    if (!connection.open) return;
    connection.open = false;
    this.connections.splice(this.connections.indexOf(connection), 1);
    for (let index = 0; index < connection.modes.length; index++) {
      if (connection.modes[index] !== 0) this.removeSubscriber(index);
    }
    connection.modes.fill(0);
  }
}
