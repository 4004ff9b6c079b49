/**
 * The REST adapter: each method of a contract table becomes a route. It authenticates before the
 * body is read, gathers the input (path parameters with the query or the JSON body) and hands it
 * to the transport-free ApiCore, which validates it, checks the caller's scope and runs the
 * handler. Every answer, including those to requests Node's HTTP parser refuses, is the API's
 * JSON error shape.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import multipart from '@fastify/multipart';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { type CallContext, HtmlPage, type MethodTable, pathPattern, pathParamNames, PreparedJson, WithCookies } from '../../shared/contract/method';
import type { Principal } from '../../shared/contract/scopes';
import { MAX_UPLOAD_BYTES } from '../../shared/contract/task-schemas';
import { DESKTOP_APP_ORIGIN } from '../../shared/desktop';
import { ApiError, type ErrorCode } from '../../shared/errors';
import type { ApiCore } from '../api/api-core';
import { type Authenticator, bearerToken } from './auth';
import { type BrowserSessions, cookieOf, SESSION_COOKIE } from './browser-sessions';
import { registerDashboard } from './dashboard-files';
import type { SiteGuard } from './site-guard';

export interface HttpServerOptions<T extends MethodTable> {
  core: ApiCore<T>;
  auth: Authenticator;
  log: Logger;
  https?: { cert: string | Buffer; key: string | Buffer };
  bodyLimitBytes?: number;
  /** Browser sessions (a cookie) and the guard that keeps other sites out of them. */
  browser?: { sessions: BrowserSessions; guard: SiteGuard };
  /** The built dashboard's folder, served at `/` under the site guard's names (needs `browser`). */
  dashboardDir?: string;
  /**
   * Origins of apps that call the API from another origin with a bearer token (CORS, never with
   * cookies): by default the desktop app's dashboard (`app://algodeck`).
   */
  appOrigins?: readonly string[];
  /**
   * Runs method `name` on another agent of the fleet: the routes `/api/v1/agents/:agentId/…`
   * (any method's path after the prefix) go here.
   */
  router?: (agentId: string, name: string, input: Record<string, unknown>, principal: Principal | undefined, http: CallContext['http']) => Promise<unknown>;
}

const CORS_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE';
const CORS_HEADERS = 'Authorization, Content-Type';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set on contract routes: the method it serves. */
    apiMethod?: string;
  }
  interface FastifyRequest {
    principal: Principal | null;
    /** The browser session's cookie value, when the request carried one. */
    sessionCookie: string | undefined;
  }
}

const UPLOAD_PARTS = 'send a "spec" part (the JSON fields) and a "file" part';

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_REQ_FILE_TOO_LARGE: 'payload_too_large',
  FST_PARTS_LIMIT: 'invalid_request',
  FST_FILES_LIMIT: 'invalid_request',
  FST_FIELDS_LIMIT: 'invalid_request',
  FST_PROTO_VIOLATION: 'invalid_request',
  FST_MP_PREMATURE_CLOSE: 'invalid_request',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
};

function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const e = error as { code?: string; statusCode?: number; message?: string };
  const code = e.code ? FASTIFY_CODES[e.code] : undefined;
  if (code === 'invalid_json' || (e.statusCode === 400 && error instanceof SyntaxError)) {
    return new ApiError('invalid_json', `The request body is not valid JSON: ${e.message ?? 'parse error'}.`);
  }
  if (code === 'unsupported_media_type') return new ApiError(code, 'Send the body as JSON, with "Content-Type: application/json".');
  if (e.code === 'FST_REQ_FILE_TOO_LARGE') return new ApiError('payload_too_large', `The file is too large: at most ${MAX_UPLOAD_BYTES / 1024 / 1024} MiB.`, { field: 'file' });
  if (e.code?.endsWith('_LIMIT') && e.code.startsWith('FST_')) return new ApiError('invalid_request', `An upload has two parts: ${UPLOAD_PARTS}.`);
  if (code) return new ApiError(code, e.message ?? code);
  if (e.statusCode === 400) return new ApiError('invalid_request', e.message ?? 'bad request');
  return new ApiError('internal', 'The agent failed to handle this request; see its log.');
}

function send(reply: FastifyReply, error: ApiError): FastifyReply {
  if (error.code === 'unauthorized') reply.header('WWW-Authenticate', 'Bearer realm="algodeck"');
  return reply.status(error.status).type('application/json').send(error.toBody());
}

/** A whole HTTP/1.1 answer for a socket that never became a request Fastify could route. */
export function rawErrorResponse(error: ApiError, extraHeaders = ''): string {
  const body = JSON.stringify(error.toBody());
  return (
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}\r\n` +
    `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `Connection: close\r\n${extraHeaders}\r\n${body}`
  );
}

/** What Node's HTTP parser refused, as the API's error. */
export function parserError(error: Error & { code?: string }): ApiError {
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    return new ApiError('headers_too_large', 'The request line and headers are over 16 KiB; send long lists in a POST body.');
  }
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return new ApiError('request_timeout', 'The request took too long to arrive.');
  const reason = error.code?.startsWith('HPE_') ? error.code.slice(4).toLowerCase().replaceAll('_', ' ') : 'malformed request';
  return new ApiError('invalid_request', `The request is not valid HTTP/1.1 (${reason}).`);
}

function onClientError(error: Error & { code?: string }, socket: Duplex): void {
  // A peer that reset or already got an answer has nobody to read one.
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  // Closed once written: a client that never closes its side must not hold the socket open.
  socket.end(rawErrorResponse(parserError(error)), () => socket.destroy());
}

/**
 * The raw query string's keys and values must be valid percent-encoding: a parser that passes
 * `%ZZ` through would hand a handler text the client never meant.
 */
export function badlyEncodedQueryKey(url: string): string | undefined {
  const at = url.indexOf('?');
  if (at < 0) return undefined;
  for (const pair of url.slice(at + 1).split('&')) {
    const equals = pair.indexOf('=');
    const key = equals < 0 ? pair : pair.slice(0, equals);
    const value = equals < 0 ? '' : pair.slice(equals + 1);
    for (const part of [key, value]) {
      try {
        decodeURIComponent(part.replaceAll('+', ' '));
      } catch {
        return key;
      }
    }
  }
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Path parameters plus the query or body: one input object for the method's schema. */
/** A page for a browser: nothing loads from it, nothing caches it, and its URL (a request token) is not passed on. */
function sendPage(reply: FastifyReply, page: HtmlPage): FastifyReply {
  return reply
    .code(page.status)
    .type('text/html; charset=utf-8')
    .header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
    .header('Cache-Control', 'no-store')
    .header('Referrer-Policy', 'no-referrer')
    .header('X-Content-Type-Options', 'nosniff')
    .send(page.html);
}

/** An upload's input: the `spec` part's JSON fields, and the `file` part as `{ filename, data }`. */
async function gatherUpload(request: FastifyRequest): Promise<Record<string, unknown>> {
  if (!request.isMultipart()) throw new ApiError('unsupported_media_type', `Send the upload as multipart/form-data: ${UPLOAD_PARTS}.`);
  const input: Record<string, unknown> = {};
  let spec: unknown = {};
  for await (const part of request.parts()) {
    if (part.type === 'file' && part.fieldname === 'file' && input.file === undefined) {
      const data = await part.toBuffer();
      input.file = { filename: part.filename, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
    } else if (part.type === 'field' && part.fieldname === 'spec') {
      try {
        spec = JSON.parse(String(part.value));
      } catch {
        throw new ApiError('invalid_json', 'The "spec" part is not valid JSON.', { field: 'spec' });
      }
    } else {
      throw new ApiError('invalid_request', `${part.fieldname}: not a part of an upload; ${UPLOAD_PARTS}`, { field: part.fieldname });
    }
  }
  if (!isPlainObject(spec)) throw new ApiError('invalid_request', 'The "spec" part must be a JSON object.', { field: 'spec' });
  if (Object.hasOwn(spec, 'file')) throw new ApiError('invalid_request', 'file: send it as the "file" part, not in the spec', { field: 'file' });
  return { ...spec, ...input };
}

/** A matcher of request paths against a declared path, giving its `:name` parameters (decoded). */
function pathMatcher(path: string): (actual: string) => Record<string, string> | null {
  const names = pathParamNames(path);
  const pattern = new RegExp(pathPattern(path).source.replaceAll('[^/]+', '([^/]+)'));
  return (actual) => {
    const match = pattern.exec(actual);
    if (!match) return null;
    try {
      return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1]!)]));
    } catch {
      return null;
    }
  };
}

function gatherInput(request: FastifyRequest, verb: string, names: string[]): Record<string, unknown> {
  const raw = verb === 'GET' ? request.query : (request.body ?? {});
  if (!isPlainObject(raw)) throw new ApiError('invalid_request', 'The body must be a JSON object.');
  const params = (request.params ?? {}) as Record<string, string>;
  const input: Record<string, unknown> = { ...raw };
  for (const name of names) {
    if (Object.hasOwn(raw, name)) {
      throw new ApiError('invalid_request', `${name}: given in the path; do not repeat it in the ${verb === 'GET' ? 'query' : 'body'}`, { field: name });
    }
    const value = params[name];
    if (value === undefined || value === '') throw new ApiError('invalid_request', `${name}: required in the path`, { field: name });
    input[name] = value;
  }
  return input;
}

export async function createHttpServer<T extends MethodTable>(options: HttpServerOptions<T>): Promise<FastifyInstance> {
  const { core } = options;
  const app = Fastify({
    loggerInstance: options.log,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes ?? 1024 * 1024,
    // On stop, close every connection: a keep-alive one that was busy when stop began would
    // otherwise hold the agent open until its keep-alive timeout.
    forceCloseConnections: true,
    clientErrorHandler: onClientError,
    // A path Fastify cannot decode (`/api/v1/%ZZ`) is answered in the API's shape too.
    frameworkErrors: (error, _request, reply) => {
      void send(reply, new ApiError('invalid_request', error.code === 'FST_ERR_BAD_URL' ? 'The path is not valid percent-encoding.' : 'The request could not be routed.'));
    },
    ...(options.https ? { https: options.https } : {}),
  }) as unknown as FastifyInstance;
  // JSON is the only body the API takes, but for uploads (multipart): anything else is refused
  // with 415, not parsed as text.
  app.removeContentTypeParser(['text/plain']);
  await app.register(multipart, {
    throwFileSizeLimit: true,
    // One part more of each than an upload has, so that an extra part is refused by its name.
    limits: { fileSize: MAX_UPLOAD_BYTES, files: 2, fields: 2, parts: 4, fieldSize: 256 * 1024, fieldNameSize: 64, headerPairs: 100 },
  });
  app.decorateRequest('principal', null);
  app.decorateRequest('sessionCookie', undefined);
  // Node drops a CONNECT request unanswered unless someone listens for it.
  app.server.on('connect', (_request, socket: Duplex) => {
    socket.on('error', () => socket.destroy());
    socket.end(rawErrorResponse(new ApiError('method_not_allowed', 'CONNECT is not supported: this is not a proxy.')), () => socket.destroy());
  });

  const appOrigins = new Set(options.appOrigins ?? [DESKTOP_APP_ORIGIN]);
  // Authentication runs before the body is even read.
  app.addHook('onRequest', async (request, reply) => {
    // The desktop app's page calls from its own origin with a bearer token. A cookie is never
    // allowed across origins (no Allow-Credentials), so the session cookie stays the agent's own.
    const origin = request.headers.origin;
    if (origin !== undefined && appOrigins.has(origin)) {
      reply.header('Access-Control-Allow-Origin', origin).header('Vary', 'Origin');
      if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
        return reply
          .code(204)
          .header('Access-Control-Allow-Methods', CORS_METHODS)
          .header('Access-Control-Allow-Headers', CORS_HEADERS)
          .header('Access-Control-Max-Age', '600')
          .send();
      }
    }
    // The dashboard's files are public; they check the Host themselves (dashboard-files.ts).
    if (request.routeOptions.config.dashboard === true) return;
    const name = request.routeOptions.config.apiMethod;
    request.principal = options.auth.resolve(bearerToken(request.headers.authorization)) ?? null;
    const browser = options.browser;
    if (!request.principal && browser) {
      // A cookie is ambient: another site's page can make the browser send it. So a request
      // that may ride on one must name this agent (DNS rebinding names another), and one that
      // changes something must come from this agent's own pages.
      const changes = request.method !== 'GET' && request.method !== 'HEAD';
      if (changes && origin !== undefined && !browser.guard.allowsOrigin(origin)) {
        return send(reply, new ApiError('forbidden', 'A request from another site is refused.'));
      }
      request.sessionCookie = cookieOf(request.headers.cookie, SESSION_COOKIE);
      if (request.sessionCookie !== undefined) {
        if (!browser.guard.allowsHost(request.headers.host)) return send(reply, new ApiError('forbidden', 'This agent is not reached under that name.'));
        if (changes && origin === undefined) return send(reply, new ApiError('forbidden', 'A change made with a session must come from the dashboard (no Origin).'));
        request.principal = browser.sessions.resolve(request.sessionCookie) ?? null;
      }
    }
    // Only public methods answer without a token; not even which paths exist is told to a stranger.
    if (name !== undefined && core.table[name]!.scope === 'public') return;
    if (!request.principal) {
      return send(reply, new ApiError('unauthorized', 'Missing or wrong token: send "Authorization: Bearer <token>", or sign in.'));
    }
  });

  app.setErrorHandler((error, request, reply) => {
    const apiError = toApiError(error);
    if (apiError.code === 'internal') request.log.error({ err: error, url: request.url }, 'request failed');
    return send(reply, apiError);
  });

  const routes: Array<{ pattern: RegExp; verb: string }> = [];
  for (const [name, declaration] of Object.entries(core.table)) {
    routes.push({ pattern: pathPattern(declaration.path), verb: declaration.method });
    const names = pathParamNames(declaration.path);
    app.route({
      method: declaration.method,
      url: declaration.path,
      config: { apiMethod: name },
      handler: async (request, reply) => {
        const badKey = declaration.method === 'GET' ? badlyEncodedQueryKey(request.url) : undefined;
        if (badKey !== undefined) {
          throw new ApiError('invalid_request', `${badKey || 'query'}: not valid percent-encoding`, badKey ? { field: badKey } : {});
        }
        const http = { address: request.ip, sessionCookie: request.sessionCookie, secure: options.https !== undefined };
        const upload = declaration.body === 'multipart';
        if (!upload && request.isMultipart()) throw new ApiError('unsupported_media_type', 'Send the body as JSON, with "Content-Type: application/json".');
        const input = upload ? await gatherUpload(request) : gatherInput(request, declaration.method, names);
        const result = await core.call(name, input, request.principal ?? undefined, http);
        if (declaration.status !== undefined) reply.code(declaration.status);
        if (result instanceof HtmlPage) return sendPage(reply, result);
        if (result instanceof WithCookies) return reply.header('set-cookie', [...result.cookies]).header('cache-control', 'no-store').send(result.body);
        if (!(result instanceof PreparedJson)) return result;
        const { body } = result as PreparedJson<unknown>;
        return reply.type('application/json; charset=utf-8').send(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
      },
    });
  }

  const router = options.router;
  if (router) {
    const prefix = '/api/v1';
    const table = Object.entries(core.table).map(([name, declaration]) => ({ name, declaration, pattern: pathMatcher(declaration.path) }));
    app.route({
      method: ['GET', 'POST', 'PUT', 'DELETE'],
      url: `${prefix}/agents/:agentId/*`,
      handler: async (request, reply) => {
        const { agentId, '*': rest } = request.params as { agentId: string; '*': string };
        const path = `${prefix}/${rest}`.replace(/\/$/, '');
        let params: Record<string, string> | null = null;
        const found = table.find((entry) => entry.declaration.method === request.method && (params = entry.pattern(path)) !== null);
        if (!found || !params) return reply.callNotFound();
        const { name, declaration } = found;
        const badKey = declaration.method === 'GET' ? badlyEncodedQueryKey(request.url) : undefined;
        if (badKey !== undefined) throw new ApiError('invalid_request', `${badKey || 'query'}: not valid percent-encoding`, badKey ? { field: badKey } : {});
        const upload = declaration.body === 'multipart';
        if (!upload && request.isMultipart()) throw new ApiError('unsupported_media_type', 'Send the body as JSON, with "Content-Type: application/json".');
        const input = upload ? await gatherUpload(request) : gatherInput(request, declaration.method, []);
        Object.assign(input, params);
        const http = { address: request.ip, sessionCookie: request.sessionCookie, secure: options.https !== undefined };
        const result = await router(agentId, name, input, request.principal ?? undefined, http);
        if (declaration.status !== undefined) reply.code(declaration.status);
        if (!(result instanceof PreparedJson)) return result;
        const { body } = result as PreparedJson<unknown>;
        return reply.type('application/json; charset=utf-8').send(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
      },
    });
  }

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const allowed = [...new Set(routes.filter((route) => route.pattern.test(path)).map((route) => route.verb))];
    if (allowed.length > 0) {
      reply.header('Allow', allowed.join(', '));
      return send(reply, new ApiError('method_not_allowed', `${request.method} is not allowed here; use ${allowed.join(' or ')}.`));
    }
    return send(reply, new ApiError('not_found', `No such endpoint: ${request.method} ${path}.`));
  });

  // Every path under /api/ is the API's, even one it does not have: a GET there gets the API's
  // answers (401 to a stranger, then 404 or 405), never the dashboard's file server behind `/*`.
  app.get('/api/*', (_request, reply) => reply.callNotFound());
  if (options.dashboardDir !== undefined) {
    const guard = options.browser?.guard;
    if (!guard) throw new Error('the dashboard is served only with the site guard (browser sign-in)');
    await registerDashboard(app, { dir: options.dashboardDir, allowsHost: (host) => guard.allowsHost(host) });
  }

  return app;
}
