/**
 * The emulator's API key, secret and sessions, as Kite Connect keeps them: the login redirect
 * hands out a request token (single use, 5 minutes), `POST /session/token` exchanges it for an
 * access token when the checksum proves the app knows the secret, and `DELETE /session/token`
 * ends a session. The websocket upgrade and every REST call ask the same store.
 *
 * Secrets are kept as SHA-256 digests and compared with `timingSafeEqual`, so neither a wrong
 * guess's length nor its first differing byte shows in the time an answer takes.
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { istText } from '../../broker/kite/kite-time';
import { KiteError } from './kite-http';

export interface KiteUser {
  userId: string;
  userName: string;
  userShortname: string;
  email: string;
}

export interface KiteSessionsOptions {
  apiKey: string;
  apiSecret: string;
  /** Valid from the start, as a token from an earlier login would be. */
  accessToken: string;
  redirectUrl: string;
  user: KiteUser;
  /** Epoch ms; tests pass a clock of their own. */
  now?: () => number;
}

export const REQUEST_TOKEN_TTL_MS = 5 * 60_000;
/** Beyond these, the oldest are forgotten: the store stays small whatever a client does. */
const MAX_ACCESS_TOKENS = 1000;
const MAX_REQUEST_TOKENS = 1000;
/** What Kite adds to the redirect; `redirect_params` cannot override them. */
const REDIRECT_KEYS = ['request_token', 'action', 'type', 'status'];
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Compares secrets in constant time; hashing first makes unequal lengths safe to compare. */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected)) && given === expected;
}

/** `length` characters from [A-Za-z0-9], as Kite's tokens look; from the CSPRNG. */
export function randomToken(length = 32): string {
  let text = '';
  for (let i = 0; i < length; i++) text += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return text;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Whether any of `digests` equals `candidate`'s; every one is compared, so the time says nothing. */
function anyEqual(candidate: Buffer, digests: Iterable<Buffer>): boolean {
  let found = false;
  for (const known of digests) found = timingSafeEqual(candidate, known) || found;
  return found;
}

function remember<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value!);
}

const EXCHANGES = ['NSE', 'NFO', 'BSE', 'BFO', 'CDS', 'BCD', 'MCX', 'MF'];
const PRODUCTS = ['CNC', 'NRML', 'MIS', 'MTF'];
const ORDER_TYPES = ['MARKET', 'LIMIT', 'SL', 'SL-M'];

/** Listens for revoked access tokens: a token's digest (hex), or null when every token went. */
export type RevokeListener = (tokenDigest: string | null) => void;

export class KiteSessions {
  readonly apiKey: string;
  private readonly apiSecret: string;
  private readonly redirectUrl: string;
  private readonly user: KiteUser;
  private readonly now: () => number;
  /** Digest hex → digest. */
  private readonly accessTokens = new Map<string, Buffer>();
  /** Digest hex → expiry (epoch ms). */
  private readonly requestTokens = new Map<string, number>();
  private readonly listeners: RevokeListener[] = [];

  constructor(options: KiteSessionsOptions) {
    this.apiKey = options.apiKey;
    this.apiSecret = options.apiSecret;
    this.redirectUrl = options.redirectUrl;
    this.user = options.user;
    this.now = options.now ?? Date.now;
    this.addAccessToken(options.accessToken);
  }

  /** True for this emulator's key with a live access token. Empty strings never match. */
  isValid(apiKey: string, accessToken: string): boolean {
    const keyOk = sameSecret(apiKey, this.apiKey);
    const tokenOk = anyEqual(digest(accessToken), this.accessTokens.values());
    return keyOk && tokenOk && accessToken !== '';
  }

  /** Checks Kite's REST header, `Authorization: token api_key:access_token`. */
  authorizes(header: string | undefined): boolean {
    const match = header === undefined ? null : /^token ([^:\s]+):(\S+)$/.exec(header);
    return match !== null && this.isValid(match[1]!, match[2]!);
  }

  /**
   * `GET /connect/login`: where the browser goes after a (simulated) successful login, with a
   * fresh request token and the app's `redirect_params` appended; an error text when the key is
   * not this emulator's.
   */
  loginRedirect(query: URLSearchParams): { location: string } | { error: string } {
    const keys = query.getAll('api_key');
    if (keys.length !== 1 || !sameSecret(keys[0]!, this.apiKey)) return { error: 'Invalid `api_key`.' };
    const requestToken = randomToken();
    remember(this.requestTokens, digest(requestToken).toString('hex'), this.now() + REQUEST_TOKEN_TTL_MS, MAX_REQUEST_TOKENS);
    const url = new URL(this.redirectUrl);
    url.searchParams.append('request_token', requestToken);
    url.searchParams.append('action', 'login');
    url.searchParams.append('type', 'login');
    url.searchParams.append('status', 'success');
    for (const [key, value] of new URLSearchParams(query.get('redirect_params') ?? '')) {
      if (!REDIRECT_KEYS.includes(key)) url.searchParams.append(key, value);
    }
    return { location: url.toString() };
  }

  /** `POST /session/token`: a request token and its checksum for a session (Kite's shape). */
  createSession(fields: URLSearchParams): Record<string, unknown> {
    const apiKey = fields.get('api_key');
    const requestToken = fields.get('request_token');
    const checksum = fields.get('checksum');
    for (const [name, value] of [['api_key', apiKey], ['request_token', requestToken], ['checksum', checksum]] as const) {
      if (!value) throw new KiteError(400, 'InputException', `Missing ${name}`);
    }
    if (!sameSecret(apiKey!, this.apiKey)) throw new KiteError(403, 'TokenException', 'Invalid `api_key`.');
    const key = digest(requestToken!).toString('hex');
    const expiry = this.requestTokens.get(key);
    if (expiry === undefined || expiry <= this.now()) {
      this.requestTokens.delete(key);
      throw new KiteError(403, 'TokenException', 'Token is invalid or has expired.');
    }
    if (!sameSecret(checksum!, sha256Hex(this.apiKey + requestToken! + this.apiSecret))) {
      throw new KiteError(403, 'TokenException', 'Invalid checksum');
    }
    this.requestTokens.delete(key);
    const accessToken = randomToken();
    this.addAccessToken(accessToken);
    return {
      ...this.profile(),
      api_key: this.apiKey,
      access_token: accessToken,
      public_token: randomToken(),
      refresh_token: '',
      enctoken: randomToken(64),
      login_time: istText(this.now()),
    };
  }

  /** `DELETE /session/token`: ends that session; its websocket connections are closed too. */
  invalidate(apiKey: string, accessToken: string): void {
    if (!sameSecret(apiKey, this.apiKey)) throw new KiteError(400, 'InputException', 'Invalid `api_key`.');
    const key = digest(accessToken).toString('hex');
    if (this.accessTokens.delete(key)) for (const listener of this.listeners) listener(key);
  }

  /** Every access and request token stops working at once, as at Kite's daily expiry. */
  expireAll(): void {
    this.accessTokens.clear();
    this.requestTokens.clear();
    for (const listener of this.listeners) listener(null);
  }

  onRevoke(listener: RevokeListener): void {
    this.listeners.push(listener);
  }

  profile(): Record<string, unknown> {
    return {
      user_id: this.user.userId,
      user_type: 'individual',
      email: this.user.email,
      user_name: this.user.userName,
      user_shortname: this.user.userShortname,
      broker: 'ZERODHA',
      exchanges: EXCHANGES,
      products: PRODUCTS,
      order_types: ORDER_TYPES,
      avatar_url: null,
      meta: { demat_consent: 'physical' },
    };
  }

  private addAccessToken(token: string): void {
    if (token === '') return;
    const value = digest(token);
    remember(this.accessTokens, value.toString('hex'), value, MAX_ACCESS_TOKENS);
  }
}

/** The digest (hex) a connection is known by, to close it when its token is revoked. */
export function tokenDigest(accessToken: string): string {
  return digest(accessToken).toString('hex');
}
