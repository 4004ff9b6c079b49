/**
 * The trust decisions at the simulated ticker's edge, as pure functions: whether an upgrade
 * request carries the right credentials, and what a client's text message asks for.
 */
import { z } from 'zod';
import { TICK_MODES, type TickMode } from '../../../shared/tick';

export type TickerRequest =
  | { action: 'subscribe'; tokens: number[] }
  | { action: 'unsubscribe'; tokens: number[] }
  | { action: 'mode'; mode: TickMode; tokens: number[] };

const tokenList = z.array(z.number().int().min(0).max(0xffffffff));

const requestSchema = z.discriminatedUnion('a', [
  z.object({ a: z.literal('subscribe'), v: tokenList }),
  z.object({ a: z.literal('unsubscribe'), v: tokenList }),
  z.object({ a: z.literal('mode'), v: z.tuple([z.enum(TICK_MODES), tokenList]) }),
]);

/** Parses `{"a":"subscribe","v":[…]}` and friends; anything else is an error a client can read. */
export function parseTickerRequest(text: string): TickerRequest | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { error: 'Invalid message: not JSON.' };
  }
  const parsed = requestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    return { error: `Invalid message${where}: ${issue?.message ?? 'unexpected shape'}.` };
  }
  const request = parsed.data;
  if (request.a === 'mode') return { action: 'mode', mode: request.v[0], tokens: request.v[1] };
  return { action: request.a, tokens: request.v };
}

/** Who may connect: the emulator's session store (kite-sessions.ts), or a stand-in in tests. */
export interface TickerCredentialCheck {
  isValid(apiKey: string, accessToken: string): boolean;
}

/**
 * True when the upgrade URL's query carries exactly one `api_key` and one `access_token` that
 * the store accepts. The path is not checked: Kite serves the ticker at its root.
 */
export function hasTickerCredentials(requestUrl: string | undefined, store: TickerCredentialCheck): boolean {
  if (!requestUrl) return false;
  let params: URLSearchParams;
  try {
    params = new URL(requestUrl, 'ws://localhost').searchParams;
  } catch {
    return false;
  }
  const keys = params.getAll('api_key');
  const tokens = params.getAll('access_token');
  if (keys.length !== 1 || tokens.length !== 1) return false;
  return store.isValid(keys[0]!, tokens[0]!);
}

/** The one `access_token` of an upgrade URL that passed `hasTickerCredentials`. */
export function tickerAccessToken(requestUrl: string): string {
  return new URL(requestUrl, 'ws://localhost').searchParams.get('access_token') ?? '';
}
