/**
 * Kite's daily login as plain functions: the login page's URL for an API key (carrying a
 * one-time state back through Kite's `redirect_params`), what a redirect to our callback must
 * carry, and when the day's access token expires.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const KITE_LOGIN_ROOT = 'https://kite.zerodha.com';
const DAY_MS = 86_400_000;
/** 06:00 IST is 00:30 UTC. */
const EXPIRY_UTC_MS = 30 * 60_000;

/** The page where the user logs in to Kite; Kite sends them on to the app's redirect URL. */
export function kiteLoginUrl(loginRoot: string, apiKey: string, state: string): string {
  const url = new URL('/connect/login', loginRoot);
  url.searchParams.set('v', '3');
  url.searchParams.set('api_key', apiKey);
  url.searchParams.set('redirect_params', new URLSearchParams({ state }).toString());
  return url.toString();
}

/** When a token issued at `loginAt` stops working: Kite ends every session around 06:00 IST the next morning. */
export function kiteTokenExpiry(loginAt: number): number {
  const day = Math.floor((loginAt - EXPIRY_UTC_MS) / DAY_MS);
  return (day + 1) * DAY_MS + EXPIRY_UTC_MS;
}

/** What a callback must carry; anything else is refused before Kite is asked. */
export interface CallbackParams {
  requestToken: string;
  state: string;
}

const REQUEST_TOKEN = /^[A-Za-z0-9]{8,64}$/;
const STATE = /^[0-9a-f]{32}$/;

/** The callback's query checked: the parameters, or why they are refused (a sentence for the user). */
export function readCallback(query: Record<string, unknown>): CallbackParams | { refused: string } {
  const text = (name: string) => (typeof query[name] === 'string' ? (query[name] as string) : undefined);
  const status = text('status');
  if (status !== 'success') return { refused: status === undefined ? 'Kite did not say how the login went.' : `Kite reported the login as "${status.slice(0, 40)}".` };
  const requestToken = text('request_token');
  if (requestToken === undefined || !REQUEST_TOKEN.test(requestToken)) return { refused: 'The request token is missing or malformed.' };
  const state = text('state');
  if (state === undefined || !STATE.test(state)) return { refused: 'This login was not started by this agent (no login state).' };
  return { requestToken, state };
}

/**
 * One-time login states: each login the agent starts gets one, Kite hands it back to the
 * callback, and it is good once, for ten minutes. Kept hashed, compared in constant time.
 */
export class LoginStates {
  private readonly pending = new Map<string, number>();

  constructor(
    private readonly ttlMs = 10 * 60_000,
    private readonly max = 16,
    private readonly now: () => number = Date.now,
  ) {}

  issue(): string {
    this.prune();
    // The oldest goes when too many logins were started and never finished.
    while (this.pending.size >= this.max) this.pending.delete(this.pending.keys().next().value!);
    const state = randomBytes(16).toString('hex');
    this.pending.set(digest(state), this.now() + this.ttlMs);
    return state;
  }

  /** True once for a state this agent issued and that has not expired. */
  consume(state: string): boolean {
    this.prune();
    const wanted = Buffer.from(digest(state), 'hex');
    for (const key of this.pending.keys()) {
      if (timingSafeEqual(Buffer.from(key, 'hex'), wanted)) {
        this.pending.delete(key);
        return true;
      }
    }
    return false;
  }

  /** Makes a consumed state good again, for ten more minutes: its login failed for a reason not its own. */
  giveBack(state: string): void {
    this.pending.set(digest(state), this.now() + this.ttlMs);
  }

  private prune(): void {
    const now = this.now();
    for (const [key, until] of this.pending) if (until <= now) this.pending.delete(key);
  }
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
