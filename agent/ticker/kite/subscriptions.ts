/**
 * The subscriptions a Kite connection should hold (token → mode), and the ticker messages that
 * bring the broker in line with them. Kept apart from the socket so that calls made while
 * disconnected simply change this state, and every (re)connect replays it whole.
 */
import { TICK_MODES, type TickMode } from '../../../shared/tick';

/** Kite takes long lists, but a few KB per message keeps every frame small. */
export const MAX_TOKENS_PER_MESSAGE = 1000;

const MAX_TOKEN = 0x7fff_ffff;

/**
 * Throws a RangeError unless every token is a positive 32-bit integer. Packets carry the token
 * as a signed int32, so a larger number could never match a packet.
 */
export function checkTokens(tokens: readonly number[]): void {
  for (const token of tokens) {
    if (!Number.isInteger(token) || token < 1 || token > MAX_TOKEN) {
      throw new RangeError(`instrument token must be a positive 32-bit integer, got ${String(token)}`);
    }
  }
}

export function checkMode(mode: TickMode): void {
  if (!TICK_MODES.includes(mode)) throw new RangeError(`unknown tick mode: ${String(mode)}`);
}

function chunked(tokens: readonly number[], message: (chunk: number[]) => unknown): string[] {
  const out: string[] = [];
  for (let at = 0; at < tokens.length; at += MAX_TOKENS_PER_MESSAGE) {
    out.push(JSON.stringify(message(tokens.slice(at, at + MAX_TOKENS_PER_MESSAGE))));
  }
  return out;
}

export function subscribeMessages(tokens: readonly number[]): string[] {
  return chunked(tokens, (v) => ({ a: 'subscribe', v }));
}

export function unsubscribeMessages(tokens: readonly number[]): string[] {
  return chunked(tokens, (v) => ({ a: 'unsubscribe', v }));
}

export function modeMessages(tokens: readonly number[], mode: TickMode): string[] {
  return chunked(tokens, (v) => ({ a: 'mode', v: [mode, v] }));
}

export class KiteSubscriptions {
  private readonly desired = new Map<number, TickMode>();

  get size(): number {
    return this.desired.size;
  }

  modeOf(token: number): TickMode | undefined {
    return this.desired.get(token);
  }

  /** Adds or re-modes tokens; returns the messages to send. Kite starts new tokens in quote mode, so the mode is always sent. */
  subscribe(tokens: readonly number[], mode: TickMode): string[] {
    checkTokens(tokens);
    checkMode(mode);
    const unique = [...new Set(tokens)];
    for (const token of unique) this.desired.set(token, mode);
    return [...subscribeMessages(unique), ...modeMessages(unique, mode)];
  }

  /** Removes tokens; only tokens that were subscribed are sent. */
  unsubscribe(tokens: readonly number[]): string[] {
    checkTokens(tokens);
    const removed = [...new Set(tokens)].filter((token) => this.desired.delete(token));
    return unsubscribeMessages(removed);
  }

  /** Changes the mode of subscribed tokens; tokens not subscribed are ignored, not added. */
  setMode(tokens: readonly number[], mode: TickMode): string[] {
    checkTokens(tokens);
    checkMode(mode);
    const known = [...new Set(tokens)].filter((token) => this.desired.has(token));
    for (const token of known) this.desired.set(token, mode);
    return modeMessages(known, mode);
  }

  /** Everything, for a fresh connection: subscribe all, then one mode message per mode group. */
  replay(): string[] {
    const groups = new Map<TickMode, number[]>();
    for (const [token, mode] of this.desired) {
      const group = groups.get(mode);
      if (group) group.push(token);
      else groups.set(mode, [token]);
    }
    const out = subscribeMessages([...this.desired.keys()]);
    for (const [mode, tokens] of groups) out.push(...modeMessages(tokens, mode));
    return out;
  }
}
