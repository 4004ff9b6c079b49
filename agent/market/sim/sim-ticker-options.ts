/** The simulated market's options (the Kite emulator's), their defaults, and the checks they must pass. */
import { randomBytes } from 'node:crypto';
import { KITE_LIMITS } from '../../ticker/kite/limits';
import type { RateLimits } from './kite-rate-limits';
import type { SimInstrument } from './universe';

export interface SimTickerLimits {
  instrumentsPerConnection: number;
  connectionsPerKey: number;
}

export interface SimTickerServerOptions {
  universe: readonly SimInstrument[];
  apiKey: string;
  /** An access token valid from the start, as one from an earlier login would be. */
  accessToken: string;
  /** Checks `POST /session/token`'s checksum and authorizes the admin route; default: random, 32 hex digits. */
  apiSecret?: string;
  /** Where `/connect/login` sends the browser with its request token (default: the agent's Kite callback). */
  redirectUrl?: string;
  /** The logged-in user's Kite id, in the profile and sessions (default `AB1234`). */
  userId?: string;
  /** REST requests per second per class, as Kite allows (default quote 1, historical 3, other 10). */
  rateLimits?: Partial<RateLimits>;
  /** Market seed (uint32, default 1): same seed, same step times → same prices. */
  seed?: number;
  /**
   * Epoch ms of a minute's start: each instrument's market resumes the seed's simulated history
   * there (SimHistory), so its 1-minute candles before it join up with the live prices. Absent:
   * every market opens at its base price.
   */
  historyFrom?: number;
  /** Ticks per second per subscribed instrument, with jitter (default 1, at most 1000). */
  ticksPerSecond?: number;
  /** How often each connection is sent a frame (default 25 ms). */
  frameIntervalMs?: number;
  /** Idle time before a 1-byte heartbeat (default 1000 ms; Kite clients give up after 5 s). */
  heartbeatMs?: number;
  limits?: Partial<SimTickerLimits>;
  /** Default 127.0.0.1: the sim is for this machine. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
}

export type ResolvedSimTickerOptions = Required<Omit<SimTickerServerOptions, 'limits' | 'historyFrom' | 'rateLimits'>> & {
  limits: SimTickerLimits;
  historyFrom: number | undefined;
  rateLimits: Partial<RateLimits>;
};

export const DEFAULT_REDIRECT_URL = 'http://127.0.0.1:7420/api/v1/broker/kite/callback';

function httpUrl(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new RangeError(`redirectUrl must be an http(s) URL, got ${text}`);
  return text;
}

function positive(name: string, value: number, max: number): number {
  if (!(Number.isFinite(value) && value > 0 && value <= max)) {
    throw new RangeError(`${name} must be a number above 0 and at most ${max}, got ${value}`);
  }
  return value;
}

function count(name: string, value: number): number {
  if (!(Number.isInteger(value) && value > 0)) throw new RangeError(`${name} must be a whole number above 0, got ${value}`);
  return value;
}

/** Fills in defaults; throws RangeError on a value the server cannot run with. */
export function resolveSimTickerOptions(options: SimTickerServerOptions): ResolvedSimTickerOptions {
  if (options.apiKey === '' || options.accessToken === '') throw new RangeError('apiKey and accessToken must not be empty');
  if (options.apiSecret === '') throw new RangeError('apiSecret must not be empty');
  const userId = options.userId ?? 'AB1234';
  if (!/^[A-Z0-9]{2,12}$/.test(userId)) throw new RangeError(`userId must be 2 to 12 capitals or digits, got ${userId}`);
  const tokens = new Set<number>();
  for (const instrument of options.universe) {
    if (tokens.has(instrument.token)) throw new RangeError(`duplicate token ${instrument.token} in the universe`);
    tokens.add(instrument.token);
  }
  const { historyFrom } = options;
  if (historyFrom !== undefined && !(Number.isSafeInteger(historyFrom) && historyFrom % 60_000 === 0)) {
    throw new RangeError(`historyFrom must be the epoch ms of a minute's start, got ${historyFrom}`);
  }
  const port = options.port ?? 0;
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) throw new RangeError(`port must be 0..65535, got ${port}`);
  return {
    universe: options.universe,
    apiKey: options.apiKey,
    accessToken: options.accessToken,
    apiSecret: options.apiSecret ?? randomBytes(16).toString('hex'),
    redirectUrl: httpUrl(options.redirectUrl ?? DEFAULT_REDIRECT_URL),
    userId,
    rateLimits: options.rateLimits ?? {},
    seed: (options.seed ?? 1) >>> 0,
    historyFrom,
    ticksPerSecond: positive('ticksPerSecond', options.ticksPerSecond ?? 1, 1000),
    frameIntervalMs: positive('frameIntervalMs', options.frameIntervalMs ?? 25, 1000),
    heartbeatMs: positive('heartbeatMs', options.heartbeatMs ?? 1000, 60_000),
    limits: {
      instrumentsPerConnection: count(
        'limits.instrumentsPerConnection',
        options.limits?.instrumentsPerConnection ?? KITE_LIMITS.instrumentsPerConnection,
      ),
      connectionsPerKey: count('limits.connectionsPerKey', options.limits?.connectionsPerKey ?? KITE_LIMITS.connectionsPerKey),
    },
    host: options.host ?? '127.0.0.1',
    port,
  };
}
