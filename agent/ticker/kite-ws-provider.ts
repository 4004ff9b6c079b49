/**
 * Our own Kite ticker websocket client, one connection per instance. It forwards validated
 * binary frames untouched (decoding happens downstream), keeps subscriptions as desired state
 * replayed on every connect, and reconnects on its own. It avoids the official client's traps:
 * no process.exit, no module-level state, no backoff reset on a mere successful open.
 */
import { IGNORE_PACKETS, NOT_A_KITE_FRAME, walkKiteFrame } from '../../shared/kite-frame';
import type { TickMode } from '../../shared/tick';
import { FeedSocket } from './feed-socket';
import { Backoff } from '../../shared/backoff';
import { NoticeLimiter } from './kite/notice-limiter';
import { KiteSubscriptions } from './kite/subscriptions';
import { quote, readTextFrame } from './kite/text-frame';
import { MAX_BROKER_FRAME_BYTES, type MarketDataProvider, type ProviderConfig, type ProviderListener } from './provider';

export interface KiteWsProviderOptions {
  /** Receipt clock, epoch ms with sub-ms precision. */
  now?: () => number;
  /**
   * How long a connection must stay up before the backoff starts again from its first step
   * (default 10 s). Longer than the idle timeout, so a server that accepts and then says
   * nothing (or drops us) keeps the retries slowing down.
   */
  stableAfterMs?: number;
  /** Jitter source, uniform in [0, 1). */
  random?: () => number;
}

export interface KiteWsProviderStats {
  /** Valid binary frames forwarded to the listener (heartbeats and bad frames excluded). */
  framesReceived: number;
  packetsReceived: number;
  /** Malformed binary frames, dropped. */
  badFrames: number;
  /** Reconnect attempts started (the first connection is not one). */
  reconnects: number;
  connected: boolean;
}

const DEFAULT_IDLE_TIMEOUT_MS = 5_000;
const DEFAULT_RECONNECT = { initialDelayMs: 250, maxDelayMs: 10_000 };
const DEFAULT_STABLE_AFTER_MS = 10_000;
/** A broker slower than this to answer the upgrade is treated as down. */
const MIN_HANDSHAKE_TIMEOUT_MS = 5_000;
/** How long close() waits for the broker's close frame before cutting the socket. */
const CLOSE_GRACE_MS = 1_000;

const HTTP_REASONS: Record<number, string> = {
  403: 'access token rejected',
  429: 'too many connections for this API key',
};

function defaultNow(): number {
  return performance.timeOrigin + performance.now();
}

/** The ticker URL with credentials added to whatever query it already has. */
function tickerUrl(config: ProviderConfig, accessToken: string): string {
  const url = new URL(config.url);
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new TypeError(`ticker url must be ws: or wss:, got ${url.protocol}`);
  }
  url.hash = '';
  url.searchParams.set('api_key', config.apiKey);
  url.searchParams.set('access_token', accessToken);
  return url.toString();
}

export class KiteWsProvider implements MarketDataProvider {
  private url: string;
  private accessToken: string | null;
  /** Refused (HTTP 403) or logged out: no retries until a new access token. */
  private unauthorized = false;
  /** The token the current socket was opened with: a refusal of an older one is no reason to wait. */
  private openedWith: string | null = null;
  private readonly idleTimeoutMs: number;
  private readonly stableAfterMs: number;
  private readonly now: () => number;
  private readonly backoff: Backoff;
  private readonly subscriptions = new KiteSubscriptions();
  private readonly badFrameNotices = new NoticeLimiter(5);
  private readonly textNotices = new NoticeLimiter(20);
  /** Why the last frame checked was malformed. */
  private readonly fault = { reason: '' };
  private readonly counters = { framesReceived: 0, packetsReceived: 0, badFrames: 0, reconnects: 0 };

  private ws: FeedSocket | null = null;
  private connected = false;
  private paused = false;
  private started = false;
  /** Why the current socket ended, for the state detail; first reason wins. */
  private failure = '';
  /** performance.now() of the last frame of any kind. */
  private lastFrameAt = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private stableTimer: NodeJS.Timeout | null = null;
  private graceTimer: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;
  private resolveClosed: () => void = () => {};

  constructor(
    private config: ProviderConfig,
    private readonly listener: ProviderListener,
    options: KiteWsProviderOptions = {},
  ) {
    this.accessToken = config.accessToken ?? null;
    this.url = tickerUrl(config, this.accessToken ?? '');
    this.idleTimeoutMs = config.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    if (!(this.idleTimeoutMs >= 1) || !Number.isFinite(this.idleTimeoutMs)) {
      throw new RangeError(`idleTimeoutMs must be a number ≥ 1, got ${this.idleTimeoutMs}`);
    }
    this.stableAfterMs = options.stableAfterMs ?? DEFAULT_STABLE_AFTER_MS;
    this.now = options.now ?? defaultNow;
    const reconnect = config.reconnect ?? DEFAULT_RECONNECT;
    this.backoff = new Backoff({ ...reconnect, ...(options.random ? { random: options.random } : {}) });
  }

  connect(): void {
    if (this.started || this.closing) return;
    this.started = true;
    this.unauthorized = false;
    if (this.accessToken === null) return this.waitForLogin('no access token yet: log in to the broker');
    this.listener.state('connecting');
    if (!this.closing) this.open(); // the listener may have closed us from its callback
  }

  /**
   * The day's new token (or a new API key): an unauthorized provider connects at once, with its backoff reset; a
   * connected one keeps its connection (the broker does not end it) and uses the token on its
   * next connect. Null (a logout) disconnects and waits.
   */
  setCredentials(apiKey: string, accessToken: string | null): void {
    if (this.closing) return;
    this.config = { ...this.config, apiKey };
    this.accessToken = accessToken;
    this.url = tickerUrl(this.config, accessToken ?? '');
    if (accessToken === null) {
      if (!this.unauthorized && this.started) this.waitForLogin('logged out');
      else this.unauthorized = true;
      return;
    }
    const waiting = this.unauthorized;
    this.unauthorized = false;
    // Waiting with no socket and no retry due: connect now. Otherwise the socket's end, or the retry, uses the new token.
    if (!waiting || !this.started || this.ws || this.retryTimer) return;
    this.backoff.reset();
    this.listener.state('connecting');
    if (!this.closing) this.open();
  }

  subscribe(tokens: readonly number[], mode: TickMode): void {
    if (this.closing) return;
    this.send(this.subscriptions.subscribe(tokens, mode));
  }

  unsubscribe(tokens: readonly number[]): void {
    if (this.closing) return;
    this.send(this.subscriptions.unsubscribe(tokens));
  }

  setMode(tokens: readonly number[], mode: TickMode): void {
    if (this.closing) return;
    this.send(this.subscriptions.setMode(tokens, mode));
  }

  /**
   * Flow control: stops reading from the broker (TCP then holds the data back) until resume().
   * The idle watchdog sleeps meanwhile: silence we asked for is not a dead connection.
   */
  pause(): void {
    if (this.paused || this.closing) return;
    this.paused = true;
    this.ws?.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.lastFrameAt = performance.now();
    this.ws?.resume();
  }

  stats(): KiteWsProviderStats {
    return { ...this.counters, connected: this.connected };
  }

  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = new Promise((resolve) => (this.resolveClosed = resolve));
    this.clearTimer('retryTimer');
    this.clearConnectionTimers();
    const ws = this.ws;
    if (!ws) {
      this.finishClose();
    } else {
      ws.close(1000); // while still connecting, this aborts the handshake
      // Cut the socket if the broker does not answer; resolve even if the socket never reports it.
      this.graceTimer = setTimeout(() => {
        this.graceTimer = null;
        ws.terminate();
        this.finishClose();
      }, CLOSE_GRACE_MS);
    }
    return this.closing;
  }

  private open(): void {
    this.failure = '';
    this.openedWith = this.accessToken;
    // Every event comes later than the constructor returns, so `ws` is set by then.
    let ws: FeedSocket;
    const events = {
      open: () => this.onOpen(ws),
      binary: (bytes: Uint8Array) => {
        try {
          this.onBinary(ws, bytes);
        } catch (error) {
          // A consumer bug on one odd frame must not take the feed down.
          this.notice(this.badFrameNotices, 'error', `failed to handle a broker frame: ${(error as Error).message}`);
        }
      },
      text: (text: string) => this.onText(ws, text),
      unexpectedResponse: (status: number) => {
        // A refusal of the token this socket was opened with; one of an older token (a login came meanwhile) is retried.
        if (status === 403 && this.openedWith === this.accessToken) this.unauthorized = true;
        const reason = HTTP_REASONS[status];
        this.failure ||= reason ? `HTTP ${status}: ${reason}` : `HTTP ${status} on upgrade`;
      },
      close: (code: number, reason: string, error: string | undefined) => {
        if (error && !this.failure) this.failure = error;
        this.onClose(ws, code, reason);
      },
    };
    try {
      ws = new FeedSocket(this.url, events, {
        headers: { 'X-Kite-Version': '3' },
        handshakeTimeoutMs: Math.max(this.idleTimeoutMs, MIN_HANDSHAKE_TIMEOUT_MS),
        maxMessageBytes: MAX_BROKER_FRAME_BYTES,
      });
    } catch (error) {
      this.scheduleReconnect(`cannot open socket: ${(error as Error).message}`);
      return;
    }
    this.ws = ws;
  }

  private onOpen(ws: FeedSocket): void {
    if (ws !== this.ws || this.closing) return;
    this.connected = true;
    this.lastFrameAt = performance.now();
    this.idleTimer = setTimeout(this.checkIdle, this.idleTimeoutMs);
    this.stableTimer = setTimeout(() => {
      this.stableTimer = null;
      this.backoff.reset();
    }, this.stableAfterMs);
    if (this.paused) ws.pause(); // a pause asked for while connecting holds for the new socket
    // Replay before announcing, so a listener that subscribes on 'connected' sends only its delta.
    this.send(this.subscriptions.replay());
    this.listener.state('connected');
  }

  private onBinary(ws: FeedSocket, bytes: Uint8Array): void {
    const receivedAt = this.now();
    if (ws !== this.ws) return;
    this.lastFrameAt = performance.now();
    if (bytes.byteLength === 1) return; // heartbeat: it has fed the watchdog, nothing else
    const count = walkKiteFrame(bytes, IGNORE_PACKETS, this.fault);
    if (count === NOT_A_KITE_FRAME) {
      this.counters.badFrames++;
      this.notice(this.badFrameNotices, 'error', `dropped a malformed ${bytes.byteLength}-byte frame: ${this.fault.reason}`);
      return;
    }
    if (count === 0) return;
    this.counters.framesReceived++;
    this.counters.packetsReceived += count;
    // A view into the socket's read buffer, valid only during the call: keeping it means copying.
    this.listener.frame(bytes, receivedAt);
  }

  private onText(ws: FeedSocket, message: string): void {
    if (ws !== this.ws) return;
    this.lastFrameAt = performance.now();
    const frame = readTextFrame(message);
    if (frame.kind === 'order') this.listener.order?.(frame.order);
    else this.notice(this.textNotices, frame.level, frame.text);
  }

  private onClose(ws: FeedSocket, code: number, reason: string): void {
    if (ws !== this.ws) return;
    this.ws = null;
    this.connected = false;
    this.clearConnectionTimers();
    if (this.closing) return this.finishClose();
    const why = this.failure || `connection closed (code ${code}${reason ? `: ${reason}` : ''})`;
    if (this.unauthorized) return this.listener.state('unauthorized', `${quote(why)}; waiting for a new login`);
    this.scheduleReconnect(quote(why));
  }

  /** Drops any connection and retry, and waits for `setCredentials`. */
  private waitForLogin(why: string): void {
    this.unauthorized = true;
    this.clearTimer('retryTimer');
    const ws = this.ws;
    if (ws) {
      this.failure ||= why;
      ws.terminate(); // its close reports the state
    } else {
      this.listener.state('unauthorized', why);
    }
  }

  /** Re-arms itself instead of being reset per frame, so the hot path only stores a number. */
  private readonly checkIdle = (): void => {
    this.idleTimer = null;
    const ws = this.ws;
    if (!ws || !this.connected) return;
    const quiet = this.paused ? 0 : performance.now() - this.lastFrameAt;
    if (quiet < this.idleTimeoutMs) {
      this.idleTimer = setTimeout(this.checkIdle, this.idleTimeoutMs - quiet);
      return;
    }
    this.failure = `no data for ${Math.round(quiet)} ms`;
    ws.terminate();
  };

  private scheduleReconnect(why: string): void {
    const delay = this.backoff.next();
    // The timer exists before the listener hears of it, so a close() from inside state() clears it.
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.counters.reconnects++;
      this.open();
    }, delay);
    this.listener.state('reconnecting', `${why}; retrying in ${Math.round(delay)} ms`);
  }

  private finishClose(): void {
    this.clearTimer('graceTimer');
    this.ws = null;
    this.connected = false;
    this.listener.state('closed');
    this.resolveClosed();
  }

  private send(messages: readonly string[]): void {
    const ws = this.ws;
    // While disconnected the desired state alone changes; the next connect replays it.
    if (!ws || !this.connected || !ws.isOpen) return;
    for (const message of messages) ws.send(message);
  }

  private notice(limiter: NoticeLimiter, level: 'error' | 'message', text: string): void {
    const admitted = limiter.admit(text);
    if (admitted !== null) this.listener.notice(level, admitted);
  }

  private clearConnectionTimers(): void {
    this.clearTimer('idleTimer');
    this.clearTimer('stableTimer');
  }

  private clearTimer(name: 'retryTimer' | 'idleTimer' | 'stableTimer' | 'graceTimer'): void {
    const timer = this[name];
    if (timer) clearTimeout(timer);
    this[name] = null;
  }
}
