/**
 * Rate-limited logging: a condition that repeats (a client that never reads, a feed sending bad
 * frames) is logged when it first happens and then at most `perKey` times per window, each
 * entry after a quiet spell carrying how many were held back (`suppressed`). One misbehaving
 * peer can then not flood the log, and the log still says how often it happened.
 */
import type { Logger } from 'pino';

export type RateLimitedLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

export interface RateLimitOptions {
  /** Entries logged per key per window (default 1). */
  perKey?: number;
  /** The window, in ms (default 10,000). A key's window starts at its first entry logged. */
  everyMs?: number;
  /** Keys remembered at once (default 1,000); past that the oldest is summarised and forgotten. */
  maxKeys?: number;
  /** A clock in ms (default `performance.now`); tests pass a fake one. */
  now?: () => number;
}

export interface RateLimitedLog {
  /**
   * Logs `msg` with `obj` at `level` unless `key` has used its entries in the current window;
   * the first entry of a new window carries `suppressed` (entries held back since the last one
   * logged) when there were any.
   */
  (level: RateLimitedLevel, key: string, obj: Record<string, unknown>, msg: string): void;
  /**
   * Logs one summary (the last held-back entry, with its `suppressed` count) for each key that
   * held entries back, and forgets every key. Call it when the source of the entries stops (a
   * client closes, the server stops), or on a timer, so a flood that ends is still counted.
   */
  flush(): void;
}

interface KeyState {
  windowStart: number;
  logged: number;
  suppressed: number;
  /** The last entry held back, for a summary at flush (kept only while `suppressed` > 0). */
  last?: { level: RateLimitedLevel; obj: Record<string, unknown>; msg: string };
}

export function rateLimited(log: Pick<Logger, RateLimitedLevel>, options: RateLimitOptions = {}): RateLimitedLog {
  const perKey = options.perKey ?? 1;
  const everyMs = options.everyMs ?? 10_000;
  const maxKeys = options.maxKeys ?? 1000;
  const now = options.now ?? (() => performance.now());
  if (!(perKey >= 1 && everyMs > 0 && maxKeys >= 1)) throw new RangeError('rateLimited: perKey and maxKeys ≥ 1, everyMs > 0');
  // In order of window start (a key is re-inserted when its window restarts): the first is the oldest.
  const keys = new Map<string, KeyState>();

  const summarise = (state: KeyState) => {
    if (state.suppressed > 0 && state.last) log[state.last.level]({ ...state.last.obj, suppressed: state.suppressed }, state.last.msg);
  };

  const write = (level: RateLimitedLevel, key: string, obj: Record<string, unknown>, msg: string): void => {
    const at = now();
    let state = keys.get(key);
    if (state && at - state.windowStart >= everyMs) {
      keys.delete(key);
      const suppressed = state.suppressed;
      state = { windowStart: at, logged: 1, suppressed: 0 };
      keys.set(key, state);
      log[level](suppressed > 0 ? { ...obj, suppressed } : obj, msg);
      return;
    }
    if (!state) {
      if (keys.size >= maxKeys) {
        const [oldestKey, oldest] = keys.entries().next().value!;
        keys.delete(oldestKey);
        summarise(oldest);
      }
      keys.set(key, { windowStart: at, logged: 1, suppressed: 0 });
      log[level](obj, msg);
      return;
    }
    if (state.logged < perKey) {
      state.logged++;
      log[level](obj, msg);
      return;
    }
    state.suppressed++;
    state.last = { level, obj, msg };
  };

  return Object.assign(write, {
    flush(): void {
      for (const state of keys.values()) summarise(state);
      keys.clear();
    },
  });
}
