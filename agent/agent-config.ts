/** Where the agent keeps its files, and its token: given, or generated once and kept 0600. */
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { generateToken, MIN_TOKEN_LENGTH } from './server/auth';
import type { FleetJoin } from './services/fleet-service';

export const TOKEN_FILE = 'agent-token';

export function defaultDataDir(): string {
  return join(homedir(), '.algodeck', 'agent');
}

export function ensureDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

export interface ResolvedToken {
  token: string;
  /** Set when the token lives in a file the user can read it from. */
  file: string | undefined;
  generated: boolean;
}

/**
 * A token given on the command line or in ALGODECK_TOKEN wins; otherwise the one stored in the
 * data dir; otherwise a new one, written with mode 0600.
 */
export function resolveToken(dataDir: string, given: string | undefined): ResolvedToken {
  if (given !== undefined) {
    // Browsers carry the token as a WebSocket subprotocol, which allows only these characters.
    if (given.length < MIN_TOKEN_LENGTH || !/^[A-Za-z0-9._~+-]+$/.test(given)) {
      throw new Error(`the token must be at least ${MIN_TOKEN_LENGTH} characters of A-Z a-z 0-9 . _ ~ + -`);
    }
    return { token: given, file: undefined, generated: false };
  }
  const file = join(dataDir, TOKEN_FILE);
  try {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored.length >= MIN_TOKEN_LENGTH) {
      if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
      return { token: stored, file, generated: false };
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const token = generateToken();
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { token, file, generated: true };
}

/** What a user chooses (the CLI's flags, the desktop app's settings). */
export interface AgentOptions {
  host?: string;
  port?: number;
  dataDir: string;
  token?: string;
  /** Worker count; when not given, the count the agent last ran with (3 on a first start). */
  workers?: number;
  /** Where market data comes from: the simulated market (the default), or Kite. */
  provider?: 'sim' | 'kite';
  kite?: {
    /** One root for Kite's REST API, websocket and login page (the emulator's); default Kite's own. */
    root?: string;
    /** The Kite app's API key and secret, for servers (otherwise set through the API and stored). */
    apiKey?: string;
    apiSecret?: string;
    /** MARKET and SL-M orders' protection: a percentage of the last price, or -1 for Kite's automatic (default 2). */
    marketProtection?: number;
  };
  simInstruments?: number;
  simTicksPerSecond?: number;
  /**
   * On the simulated market, a fresh agent subscribes the NIFTY 50 stocks and the two indices
   * (full mode) on its very first start, so prices move at once, and keeps them as a watchlist
   * (default true). Never again.
   */
  firstRunWatchlist?: boolean;
  seed?: number;
  staleAfterMs?: number;
  /** The longest range one candles query may ask for, in days (default 400). */
  maxCandleRangeDays?: number;
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Listening on a non-loopback address without TLS must be asked for explicitly. */
  allowInsecureRemote?: boolean;
  /**
   * Names the agent is reached by besides its listen address (an EC2 host's DNS name): browsers
   * using them pass the site guard (`Host`, `Origin`). Host names or IP addresses, no port.
   */
  publicNames?: string[];
  /** This agent's name in a fleet (default: the host name), and labels for the user. */
  name?: string;
  labels?: Record<string, string>;
  /**
   * The fleet: `hub` lets members join this agent (with `joinToken`, or tokens made through the
   * API); `join` makes this agent a member of a hub.
   */
  fleet?: { hub?: boolean; joinToken?: string; join?: FleetJoin };
  /**
   * On the simulated market, a fresh data folder gets the example algos as tasks, stopped (default
   * true; a folder: where the built examples are, else dist/examples beside the agent's code).
   * Never again once offered, and never on a broker's market.
   */
  examples?: boolean | string;
  /** The built dashboard served at `/`; absent or null: dist/renderer beside the agent's code. */
  dashboardDir?: string | null;
  log?: Logger;
}
