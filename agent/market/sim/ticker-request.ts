/**
 * The trust decisions at the simulated ticker's edge, as pure functions: whether an upgrade
 * request carries the right credentials, and what a client's text message asks for.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
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

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Compares secrets in constant time; hashing first makes unequal lengths safe to compare. */
function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected)) && given === expected;
}

/**
 * True when the upgrade URL's query carries exactly one `api_key` and one `access_token` equal
 * to the expected ones. The path is not checked: Kite serves the ticker at its root.
 */
export function hasTickerCredentials(
  requestUrl: string | undefined,
  expected: { apiKey: string; accessToken: string },
): boolean {
  if (!requestUrl || expected.apiKey === '' || expected.accessToken === '') return false;
  let params: URLSearchParams;
  try {
    params = new URL(requestUrl, 'ws://localhost').searchParams;
  } catch {
    return false;
  }
  const keys = params.getAll('api_key');
  const tokens = params.getAll('access_token');
  if (keys.length !== 1 || tokens.length !== 1) return false;
  const keyOk = sameSecret(keys[0]!, expected.apiKey);
  const tokenOk = sameSecret(tokens[0]!, expected.accessToken);
  return keyOk && tokenOk;
}
