/**
 * The requests every signed-in dashboard makes first, started by a tiny script of their own
 * (`boot.ts`) while the browser is still loading and evaluating the app's bundle: the session,
 * then the watchlists, the ticker's and the broker's state, and the stream. The app takes these
 * over (`agent/early.ts`) instead of asking again, so the first prices do not wait for the
 * bundle and then for a chain of round trips.
 *
 * Dependency-free on purpose: anything it imported would have to load before it runs.
 */

/** GETs asked for once the session is known to be good (the paths the app's stores call first). */
export const EARLY_GETS = ['/api/v1/watchlists', '/api/v1/ticker', '/api/v1/broker'] as const;
export const EARLY_SESSION = '/api/v1/session';
/** The stream's path and subprotocol (`shared/contract/stream.ts`; a test keeps them equal). */
export const EARLY_STREAM_PATH = '/api/v1/stream';
export const EARLY_STREAM_PROTOCOL = 'algodeck.v1';
/** What is not taken within this long after the page started is not used: it would be stale. */
export const EARLY_TTL_MS = 15_000;

/** What the stream said before the app took it over, in order. */
export type EarlyEvent = { type: 'message'; data: unknown } | { type: 'close'; code: number; reason: string };

/** The part of the browser's WebSocket the early stream uses. */
export interface EarlySocketLike {
  binaryType: string;
  close(): void;
  addEventListener(type: 'message' | 'close', listener: (event: never) => void): void;
  removeEventListener(type: 'message' | 'close', listener: (event: never) => void): void;
}

export interface EarlyStream {
  url: string;
  protocols: string[];
  socket: EarlySocketLike;
  /** Stops recording and hands over what was recorded; the socket is the caller's from then on. */
  release(): EarlyEvent[];
}

export interface EarlyStart {
  /** After this (`now()` of the environment), nothing is taken: it would be stale. */
  expiresAt: number;
  /** GET responses by absolute URL, each taken at most once. */
  responses: Map<string, Promise<Response>>;
  /** The stream, once the session was good (null before, and after it is taken or abandoned). */
  stream: EarlyStream | null;
  /** Set by the app when it stops looking: a stream opened after that is closed at once. */
  abandoned: boolean;
}

export interface EarlyEnvironment {
  /** The page's origin (`http://127.0.0.1:7420`). */
  origin: string;
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  openSocket: (url: string, protocols: string[]) => EarlySocketLike;
  now: () => number;
}

/** The options the app's own requests use, so a taken response is the one it would have got. */
export const EARLY_FETCH_INIT: RequestInit = { method: 'GET', credentials: 'same-origin', cache: 'no-store' };

export function startEarly(env: EarlyEnvironment): EarlyStart {
  const early: EarlyStart = { expiresAt: env.now() + EARLY_TTL_MS, responses: new Map(), stream: null, abandoned: false };
  const get = (path: string): Promise<Response> => {
    const response = env.fetch(env.origin + path, EARLY_FETCH_INIT);
    // Nobody may be waiting for it yet; the app sees the failure if it takes it.
    response.catch(() => undefined);
    early.responses.set(env.origin + path, response);
    return response;
  };
  void get(EARLY_SESSION).then(
    (response) => {
      if (response.status !== 200 || early.abandoned) return;
      for (const path of EARLY_GETS) void get(path);
      early.stream = openStream(env);
    },
    () => undefined,
  );
  return early;
}

function openStream(env: EarlyEnvironment): EarlyStream | null {
  const url = `${env.origin.replace(/^http/, 'ws')}${EARLY_STREAM_PATH}`;
  const protocols = [EARLY_STREAM_PROTOCOL];
  let socket: EarlySocketLike;
  try {
    socket = env.openSocket(url, protocols);
  } catch {
    return null; // the app opens its own
  }
  socket.binaryType = 'arraybuffer';
  const events: EarlyEvent[] = [];
  const onMessage = (event: { data: unknown }): void => void events.push({ type: 'message', data: event.data });
  const onClose = (event: { code: number; reason: string }): void => void events.push({ type: 'close', code: event.code, reason: event.reason });
  socket.addEventListener('message', onMessage);
  socket.addEventListener('close', onClose);
  return {
    url,
    protocols,
    socket,
    release() {
      socket.removeEventListener('message', onMessage);
      socket.removeEventListener('close', onClose);
      return events.splice(0);
    },
  };
}
