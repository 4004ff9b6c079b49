/** The simulated ticker's options, their defaults, and the checks they must pass. */
import { KITE_LIMITS } from '../../ticker/kite/limits';
import type { SimInstrument } from './universe';

export interface SimTickerLimits {
  instrumentsPerConnection: number;
  connectionsPerKey: number;
}

export interface SimTickerServerOptions {
  universe: readonly SimInstrument[];
  apiKey: string;
  accessToken: string;
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

export type ResolvedSimTickerOptions = Required<Omit<SimTickerServerOptions, 'limits' | 'historyFrom'>> & {
  limits: SimTickerLimits;
  historyFrom: number | undefined;
};

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
