/**
 * The `app://algodeck/…` scheme the dashboard loads from: a request is mapped to a file of the
 * built dashboard, or refused. Only the app's host, only GET, no way out of the folder (dot
 * segments, encoded ones, backslashes, NUL, or a symlink pointing elsewhere), `index.html` for the
 * root, and every answer carries the page's security headers.
 */
import { realpathSync, statSync } from 'node:fs';
import { extname, join, sep } from 'node:path';
import { APP_HOST, APP_SCHEME } from './window-policy';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.map': 'application/json',
};

export type AppResponse = { status: 200; file: string; headers: Record<string, string> } | { status: 400 | 403 | 404 | 405; reason: string };

/** The file for a request to the app's scheme, with its headers; or why there is none. */
export function resolveAppRequest(method: string, url: string, root: string, csp: string): AppResponse {
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, reason: `${method} is not served` };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { status: 400, reason: 'not a URL' };
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST || parsed.username !== '' || parsed.password !== '') return { status: 403, reason: 'not the app' };
  let path: string;
  try {
    path = decodeURIComponent(parsed.pathname);
  } catch {
    return { status: 400, reason: 'a malformed escape in the path' };
  }
  if (path === '/' || path === '') path = '/index.html';
  const segments = path.split('/').slice(1);
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..' || segment.includes('\\') || segment.includes('\0') || segment.includes(':'))) {
    return { status: 403, reason: 'a path that leaves the dashboard' };
  }
  const type = TYPES[extname(path).toLowerCase()];
  if (!type) return { status: 404, reason: 'no such file' };
  let file: string;
  try {
    const realRoot = realpathSync(root);
    file = realpathSync(join(realRoot, ...segments));
    if (!file.startsWith(realRoot + sep) || !statSync(file).isFile()) return { status: 404, reason: 'no such file' };
  } catch {
    return { status: 404, reason: 'no such file' };
  }
  const cache = segments[0] === 'assets' ? 'public, max-age=31536000, immutable' : 'no-store';
  return {
    status: 200,
    file,
    headers: { 'content-type': type, 'cache-control': cache, 'content-security-policy': csp, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' },
  };
}
