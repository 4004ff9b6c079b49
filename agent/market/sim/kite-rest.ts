/**
 * The emulator's Kite REST API, served beside its websocket on the same port, so the official
 * `KiteConnect` client and our Kite adapter run against it as against `api.kite.trade`. This file
 * is the routing and the rules every call shares; each route's work is in its own file.
 *
 * A request, in order: the body is read (at most 64 KiB, else 413); with the `serverErrors`
 * fault on it is answered 500; an unknown route is 404; the `Authorization: token
 * api_key:access_token` header is checked (403 otherwise), except for the login page and
 * `POST /session/token`; it is charged to its rate class (429 when over); then the route runs.
 * With the `silent` fault on, requests wait unanswered until it is turned off; with
 * `loseOrderAnswers` on, a placement is carried out and its connection then cut unanswered. The admin routes
 * (`/_emulator/…`, authorized by the API secret) obey no fault, so faults can be turned off.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InstrumentListing } from './instrument-listing';
import { faultActionSchema, runFault, type KiteFaults } from './kite-faults';
import { historicalCandles } from './kite-historical';
import { INCORRECT_CREDENTIALS, KiteError, formFields, readBody, sendKiteError, sendSuccess, sendText } from './kite-http';
import { instrumentsCsv } from './kite-instruments-csv';
import type { KiteOrderBook } from './kite-orders';
import { quotes, type QuoteKind, type Snapshot } from './kite-quotes';
import type { KiteRateLimiter, RateClass } from './kite-rate-limits';
import { sameSecret, type KiteSessions } from './kite-sessions';
import type { SimHistory } from './sim-history';

export interface KiteRestContext {
  sessions: KiteSessions;
  apiSecret: string;
  listing: InstrumentListing;
  history: SimHistory;
  limiter: KiteRateLimiter;
  snapshot: Snapshot;
  orders: KiteOrderBook;
  faults: KiteFaults;
  /** The switches the router obeys, flipped by the faults. */
  switches: { silent: boolean; serverErrors: boolean; loseOrderAnswers: boolean };
  stats: () => unknown;
}

export interface KiteRest {
  handle(request: IncomingMessage, response: ServerResponse): void;
  /** Answers the requests held while the emulator was silent. */
  release(): void;
  /** Closes the held requests' connections unanswered (the server is closing). */
  dropHeld(): void;
}

/** A route that answered by itself (CSV, a redirect) rather than with Kite's JSON envelope. */
const ANSWERED = Symbol('answered');

interface RouteInput {
  params: string[];
  query: URLSearchParams;
  body: Buffer;
  response: ServerResponse;
}

interface Route {
  method: string;
  path: RegExp;
  /** null: open to anyone (the login page, the token exchange). */
  rate: RateClass | null;
  /** A placement: its answer is lost while `loseOrderAnswers` is on. */
  placement?: true;
  run(input: RouteInput): unknown;
}

const QUOTE_ROUTES: ReadonlyArray<[string, QuoteKind]> = [['/quote', 'quote'], ['/quote/ohlc', 'ohlc'], ['/quote/ltp', 'ltp']];

function routes(context: KiteRestContext): Route[] {
  const { sessions, listing, orders } = context;
  const csv = (response: ServerResponse, exchange?: string) => {
    sendText(response, 200, 'text/csv', instrumentsCsv(listing.listed(), exchange));
    return ANSWERED;
  };
  return [
    { method: 'GET', path: /^\/connect\/login$/, rate: null, run: ({ query, response }) => loginPage(sessions, query, response) },
    { method: 'POST', path: /^\/session\/token$/, rate: null, run: ({ body }) => sessions.createSession(formFields(body)) },
    {
      method: 'DELETE',
      path: /^\/session\/token$/,
      rate: 'other',
      run: ({ query }) => {
        const accessToken = query.get('access_token');
        if (!accessToken) throw new KiteError(400, 'InputException', 'Missing access_token');
        sessions.invalidate(query.get('api_key') ?? '', accessToken);
        return true;
      },
    },
    { method: 'GET', path: /^\/user\/profile$/, rate: 'other', run: () => sessions.profile() },
    { method: 'GET', path: /^\/instruments$/, rate: 'other', run: ({ response }) => csv(response) },
    {
      method: 'GET',
      path: /^\/instruments\/historical\/([^/]+)\/([^/]+)$/,
      rate: 'historical',
      run: ({ params, query }) => historicalCandles(context.history, listing, params[0]!, params[1]!, query),
    },
    { method: 'GET', path: /^\/instruments\/([^/]+)$/, rate: 'other', run: ({ params, response }) => csv(response, params[0]) },
    ...QUOTE_ROUTES.map(([path, kind]): Route => ({
      method: 'GET',
      path: new RegExp(`^${path}$`),
      rate: 'quote',
      run: ({ query }) => quotes(kind, query.getAll('i'), listing, context.snapshot),
    })),
    { method: 'POST', path: /^\/orders\/([^/]+)$/, rate: 'orders', placement: true, run: ({ params, body }) => orders.place(params[0]!, formFields(body)) },
    { method: 'PUT', path: /^\/orders\/([^/]+)\/([^/]+)$/, rate: 'orders', run: ({ params, body }) => orders.modify(params[0]!, params[1]!, formFields(body)) },
    { method: 'DELETE', path: /^\/orders\/([^/]+)\/([^/]+)$/, rate: 'orders', run: ({ params }) => orders.cancel(params[0]!, params[1]!) },
    { method: 'GET', path: /^\/orders$/, rate: 'other', run: () => orders.list() },
    { method: 'GET', path: /^\/orders\/([^/]+)\/trades$/, rate: 'other', run: ({ params }) => orders.tradesOf(params[0]!) },
    { method: 'GET', path: /^\/orders\/([^/]+)$/, rate: 'other', run: ({ params }) => orders.history(params[0]!) },
    { method: 'GET', path: /^\/trades$/, rate: 'other', run: () => orders.tradesOf() },
    { method: 'GET', path: /^\/portfolio\/positions$/, rate: 'other', run: () => orders.positions() },
    { method: 'GET', path: /^\/user\/margins$/, rate: 'other', run: () => orders.margins() },
    { method: 'GET', path: /^\/user\/margins\/([^/]+)$/, rate: 'other', run: ({ params }) => orders.margins(params[0]!) },
  ];
}

function loginPage(sessions: KiteSessions, query: URLSearchParams, response: ServerResponse): typeof ANSWERED {
  const outcome = sessions.loginRedirect(query);
  if ('error' in outcome) {
    sendText(response, 400, 'text/html; charset=utf-8', `<!doctype html><title>Kite Connect</title><p>${outcome.error}</p>\n`);
  } else {
    sendText(response, 302, 'text/plain; charset=utf-8', `Redirecting to ${outcome.location}\n`, { location: outcome.location });
  }
  return ANSWERED;
}

/** `POST /_emulator/faults` and `GET /_emulator/stats`, for tests in another process. */
function admin(context: KiteRestContext, method: string, path: string, body: Buffer): unknown {
  if (method === 'GET' && path === '/_emulator/stats') return context.stats();
  if (method !== 'POST' || path !== '/_emulator/faults') throw new KiteError(404, 'GeneralException', 'Route not found');
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new KiteError(400, 'InputException', 'The body is not JSON.');
  }
  const parsed = faultActionSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    throw new KiteError(400, 'InputException', `Invalid fault${where}: ${issue?.message ?? 'unexpected shape'}.`);
  }
  try {
    return runFault(context.faults, parsed.data);
  } catch (error) {
    if (error instanceof RangeError) throw new KiteError(400, 'InputException', error.message);
    throw error;
  }
}

function isAdmin(header: string | undefined, apiSecret: string): boolean {
  const match = header === undefined ? null : /^Bearer (\S+)$/.exec(header);
  return match !== null && sameSecret(match[1]!, apiSecret);
}

export function createKiteRest(context: KiteRestContext): KiteRest {
  const table = routes(context);
  const held: Array<{ request: IncomingMessage; response: ServerResponse }> = [];

  function find(method: string, path: string): { route: Route; params: string[] } | undefined {
    for (const route of table) {
      const match = route.method === method ? route.path.exec(path) : null;
      if (match) return { route, params: match.slice(1).map((p) => decodeURIComponent(p)) };
    }
    return undefined;
  }

  async function serve(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const method = request.method ?? 'GET';
    const body = await readBody(request);
    if (url.pathname.startsWith('/_emulator/')) {
      if (!isAdmin(request.headers.authorization, context.apiSecret)) {
        throw new KiteError(403, 'TokenException', 'Incorrect emulator credentials: send `Authorization: Bearer <api secret>`.');
      }
      return sendSuccess(response, admin(context, method, url.pathname, body));
    }
    if (context.switches.serverErrors) throw new KiteError(500, 'GeneralException', 'Something went wrong. Please try again later.');
    const found = find(method, url.pathname);
    if (!found) throw new KiteError(404, 'GeneralException', 'Route not found');
    const { route, params } = found;
    if (route.rate !== null) {
      if (!context.sessions.authorizes(request.headers.authorization)) throw new KiteError(403, 'TokenException', INCORRECT_CREDENTIALS);
      if (!context.limiter.take(route.rate)) throw new KiteError(429, 'NetworkException', 'Too many requests');
    }
    const data = route.run({ params, query: url.searchParams, body, response });
    if (route.placement && context.switches.loseOrderAnswers) return void request.socket.destroy();
    if (data !== ANSWERED) sendSuccess(response, data);
  }

  function handle(request: IncomingMessage, response: ServerResponse): void {
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://kite.local');
    } catch {
      return sendKiteError(response, new KiteError(400, 'InputException', 'Malformed request URL.'));
    }
    if (context.switches.silent && !url.pathname.startsWith('/_emulator/')) {
      held.push({ request, response });
      return;
    }
    serve(request, response, url).catch((error: unknown) => {
      if (error instanceof KiteError) return sendKiteError(response, error);
      if (error instanceof URIError) return sendKiteError(response, new KiteError(400, 'InputException', 'Malformed request URL.'));
      sendKiteError(response, new KiteError(500, 'GeneralException', `Internal error: ${(error as Error).message}`));
    });
  }

  return {
    handle,
    release() {
      for (const { request, response } of held.splice(0)) {
        if (!request.destroyed && !response.writableEnded) handle(request, response);
      }
    },
    dropHeld() {
      for (const { request } of held.splice(0)) request.socket.destroy();
    },
  };
}
