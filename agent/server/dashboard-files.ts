/**
 * The dashboard's built files (Vite's output, `dist/renderer`) served at the agent's root, on the
 * API's origin, so the page signs in with the session cookie and opens the stream with no CORS.
 * The files are public (the page itself asks for the sign-in) but answered only under the agent's
 * own names: a DNS-rebinding page gets nothing. Paths under /api/ never reach here (see
 * http-server.ts), so an unknown API path keeps the API's answers.
 */
import { existsSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../shared/errors';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set on the dashboard's routes: public, guarded by their own Host check. */
    dashboard?: boolean;
  }
}

export interface DashboardOptions {
  /** The built dashboard (index.html, assets/); it may not exist yet. */
  dir: string;
  /** The site guard's check that `Host` names this agent. */
  allowsHost(host: string | undefined): boolean;
}

/**
 * The folder of the built dashboard: the one given, else the default beside the running code.
 * Bundled (`npm run build`) this module runs inside dist/agent/cli.mjs, and the dashboard is
 * built beside it, in dist/renderer; from source (tsx) it is agent/server/dashboard-files.ts, and
 * the build is the project's dist/renderer all the same.
 */
export function dashboardDir(given?: string | null, moduleUrl: string = import.meta.url): string {
  if (given) return resolve(given);
  return fileURLToPath(new URL(moduleUrl.endsWith('.ts') ? '../../dist/renderer' : '../renderer', moduleUrl));
}

export function dashboardBuilt(dir: string): boolean {
  return existsSync(join(dir, 'index.html'));
}

/**
 * The address to show a user: the first public name when there is one (the name a certificate is
 * for), else the listen address, with a listen-on-everything address replaced by loopback.
 */
export function dashboardUrl(scheme: 'http' | 'https', host: string, port: number, publicNames: readonly string[] = []): string {
  const bare = host.replace(/^\[|\]$/g, '');
  const name = publicNames[0] ?? (bare === '0.0.0.0' || bare === '::' || bare === '' ? '127.0.0.1' : bare.includes(':') ? `[${bare}]` : bare);
  // URL leaves out the scheme's default port, as a browser would show it.
  return new URL(`${scheme}://${name}:${port}/`).href;
}

/**
 * What every dashboard answer carries: scripts, styles and connections from this origin only
 * (the stream by ws:/wss: to this same host, which older browsers do not count as 'self'), no
 * framing, no plugins, no referrer. `host` has passed the site guard, so it is one of the
 * agent's own names and safe to write into the header.
 */
export function dashboardHeaders(host: string): Record<string, string> {
  return {
    'content-security-policy': [
      "default-src 'self'",
      "script-src 'self'",
      // Inline styles: the component library sets element styles at run time.
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "font-src 'self' data:",
      `connect-src 'self' ws://${host} wss://${host}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'self'",
      "object-src 'none'",
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  };
}

/**
 * How long a browser keeps a file: assets/ names carry a hash of their content, so they never
 * change; index.html names the current ones, so it is fetched anew each time; anything else
 * (a favicon) is checked against its ETag.
 */
export function cacheControl(dir: string, file: string): string {
  const path = relative(dir, file);
  if (path.startsWith(`assets${sep}`)) return 'public, max-age=31536000, immutable';
  if (path.endsWith('.html')) return 'no-store';
  return 'no-cache';
}

const NOT_BUILT = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>AlgoDeck: the dashboard is not built</title>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.5">
<h1>The dashboard is not built</h1>
<p>This agent is running, but it has no dashboard to show yet. In the AlgoDeck folder, run
<code>npm run build</code> (<code>npm start</code> does it too), then reload this page.</p>
<p>The API at <code>/api/v1</code> works meanwhile.</p>
</body>
</html>
`;

/** Registers the dashboard on the API's server: `GET /`, and every file of `dir` by its path. */
export async function registerDashboard(app: FastifyInstance, options: DashboardOptions): Promise<void> {
  const { dir } = options;
  if (!dashboardBuilt(dir)) app.log.info({ dir }, 'the dashboard is not built: / says how to build it');
  await app.register(async (scope) => {
    // Every route of this scope (the file server's included) is the dashboard's: the API's
    // token check passes them by, and the Host check below guards them instead.
    scope.addHook('onRoute', (route) => {
      route.config = { ...route.config, dashboard: true };
    });
    scope.addHook('onRequest', async (request, reply) => {
      const host = request.headers.host;
      // Answered by the API's error handler, in its shape.
      if (!options.allowsHost(host)) throw new ApiError('forbidden', 'This agent is not reached under that name.');
      reply.headers(dashboardHeaders(host!.toLowerCase()));
    });
    // What the file server refuses (a path climbing out, a dotfile, a directory) is simply not
    // there: the same 404 as a missing file, with nothing said about why.
    scope.setErrorHandler((error, _request, reply) => {
      const status = (error as { statusCode?: number }).statusCode;
      if (error instanceof ApiError || status === undefined || status < 400 || status >= 500) throw error;
      reply.callNotFound();
    });
    await scope.register(fastifyStatic, {
      root: dir,
      prefix: '/',
      // Served from wherever a build put them, not from a list made at start: a dashboard built
      // while the agent runs is served at once.
      wildcard: true,
      index: false,
      list: false,
      redirect: false,
      dotfiles: 'ignore',
      cacheControl: false,
      // Its warning about a missing root would say less than the line above.
      suppressWarning: true,
      setHeaders: (reply, file) => reply.header('cache-control', cacheControl(dir, file)),
    });
    scope.get('/', (_request, reply) => {
      if (!dashboardBuilt(dir)) return reply.code(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT);
      return reply.sendFile('index.html');
    });
  });
}
