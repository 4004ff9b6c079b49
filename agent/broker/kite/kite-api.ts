/**
 * Every REST call the agent makes to Kite goes through here: the official `KiteConnect` client
 * (its `root` at Kite or at the emulator), Kite's rate limits as token buckets shared by the
 * whole agent, one pause-and-retry when Kite still answers 429, and Kite's errors turned into
 * AlgoDeck's. A rejected access token is reported once per token, so the session can show it.
 */
import { type Connect, KiteConnect } from 'kiteconnect';
import type { Logger } from 'pino';
import type { ApiError } from '../../../shared/errors';
import { type BucketSpec, RateLimit, sleep } from '../token-bucket';
import { isRateLimited, isTokenRejected, kiteFailure, toApiError } from './kite-errors';

/** Kite's call classes, each with its own limit: orders are placing, modifying and cancelling. */
export type KiteCallClass = 'quote' | 'historical' | 'other' | 'orders';

/**
 * Kite's documented limits (quote 1 a second, historical 3, orders 10 and 400 a minute,
 * everything else 10) as evenly spaced requests (a bucket of one), a tenth slower than Kite's:
 * however Kite counts a second, no second sees more than its limit, and the network's bunching
 * still leaves a margin. The minute's bucket holds 30 and refills 6 a second: no 60 s window sees
 * more than 390 orders, and a burst still goes at 9 a second.
 */
export const KITE_RATE_LIMITS: Readonly<Record<KiteCallClass, readonly BucketSpec[]>> = {
  quote: [{ capacity: 1, perSecond: 0.9 }],
  historical: [{ capacity: 1, perSecond: 2.7 }],
  other: [{ capacity: 1, perSecond: 9 }],
  orders: [
    { capacity: 1, perSecond: 9 },
    { capacity: 30, perSecond: 6 },
  ],
};

export const KITE_API_ROOT = 'https://api.kite.trade';

export interface KiteApiOptions {
  root: string;
  apiKey: string;
  accessToken?: string;
  log: Logger;
  /** Kite refused the access token (TokenException): called once per token. */
  onTokenRejected?: (token: string) => void;
  limits?: Partial<Record<KiteCallClass, readonly BucketSpec[]>>;
  /** The pause before a call that earned a 429 is sent again (default 1 s; doubled for a second retry). */
  retryPauseMs?: number;
  /** Calls slower than this fail (default 10 s). */
  timeoutMs?: number;
}

export interface KiteApiStats {
  calls: Record<KiteCallClass, number>;
  /** Answers of 429 that Kite still gave (each retried after a pause). */
  rateLimited: number;
}

const MAX_RETRIES = 2;

export class KiteApi {
  readonly apiKey: string;
  private readonly client: Connect;
  private readonly limits: Record<KiteCallClass, RateLimit>;
  private readonly counters: KiteApiStats = { calls: { quote: 0, historical: 0, other: 0, orders: 0 }, rateLimited: 0 };
  private accessToken: string | null;
  private rejectedToken: string | null = null;

  constructor(private readonly options: KiteApiOptions) {
    this.apiKey = options.apiKey;
    this.client = new KiteConnect({ api_key: options.apiKey, root: options.root, timeout: options.timeoutMs ?? 10_000 });
    this.accessToken = options.accessToken ?? null;
    if (this.accessToken) this.client.setAccessToken(this.accessToken);
    const specs = { ...KITE_RATE_LIMITS, ...options.limits };
    this.limits = { quote: new RateLimit(specs.quote), historical: new RateLimit(specs.historical), other: new RateLimit(specs.other), orders: new RateLimit(specs.orders) };
  }

  get stats(): KiteApiStats {
    return { calls: { ...this.counters.calls }, rateLimited: this.counters.rateLimited };
  }

  setAccessToken(accessToken: string | null): void {
    this.accessToken = accessToken;
    this.client.setAccessToken(accessToken ?? '');
  }

  /**
   * Runs one call of the official client in its class's turn. `what` names it for the error a
   * user reads. Throws ApiError.
   */
  async call<T>(
    kind: KiteCallClass,
    what: string,
    run: (client: Connect) => Promise<T>,
    signal?: AbortSignal,
    /** False for calls whose TokenException is not about the access token (the login's request token). */
    aboutToken = true,
  ): Promise<T> {
    const limit = this.limits[kind];
    for (let attempt = 0; ; attempt++) {
      await limit.take(signal);
      this.counters.calls[kind]++;
      const token = this.accessToken;
      try {
        return await run(this.client);
      } catch (error) {
        const failure = kiteFailure(error);
        if (isRateLimited(failure) && attempt < MAX_RETRIES) {
          // Our buckets should have prevented it: someone else uses the same key. Back off, once or twice.
          this.counters.rateLimited++;
          limit.drain();
          const pause = (this.options.retryPauseMs ?? 1000) * 2 ** attempt;
          this.options.log.warn({ kind, what, pauseMs: pause }, 'Kite answered 429 (too many requests); retrying after a pause');
          await sleep(pause, signal);
          continue;
        }
        if (aboutToken && isTokenRejected(failure) && token && token !== this.rejectedToken) {
          this.rejectedToken = token;
          this.options.onTokenRejected?.(token);
        }
        throw toApiError(failure, what) satisfies ApiError;
      }
    }
  }
}
