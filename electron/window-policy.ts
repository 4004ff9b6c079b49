/**
 * The desktop window's security policy, as plain functions the shell applies (Electron's security
 * checklist): the web preferences every window gets, the Content-Security-Policy of the dashboard
 * page, which agent addresses it may talk to, which frames may send IPC, where the window may
 * navigate, and which links may open in the OS browser. No Electron at run time: tested in Node.
 */
import type { WebPreferences } from 'electron';
import { agentAddress } from '../shared/agent-address';
import { DESKTOP_APP_ORIGIN } from '../shared/desktop';

export { agentAddress, type AgentAddressProblem } from '../shared/agent-address';

/** The dashboard loads from `app://algodeck/…`, never from `file://`. */
export const APP_ORIGIN = DESKTOP_APP_ORIGIN;
export const APP_SCHEME = new URL(APP_ORIGIN).protocol.slice(0, -1);
export const APP_HOST = new URL(APP_ORIGIN).host;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

/** Sites a link in the dashboard may open in the OS browser (https only, these hosts exactly). */
export const EXTERNAL_HOSTS: readonly string[] = ['kite.zerodha.com', 'kite.trade', 'developers.kite.trade', 'zerodha.com', 'support.zerodha.com'];

/** The web preferences of every window: isolated, sandboxed, no Node, nothing experimental. */
export function webPreferences(preload: string | undefined): WebPreferences {
  return {
    ...(preload === undefined ? {} : { preload }),
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
  };
}

/** The dashboard page's CSP: its own files, and the API and stream of these agents, nothing else. */
export function contentSecurityPolicy(agentUrls: readonly string[]): string {
  const connect = new Set<string>();
  for (const url of agentUrls) {
    const address = agentAddress(url);
    if (address.ok) connect.add(address.origin).add(address.streamOrigin);
  }
  return [
    "default-src 'self'",
    "script-src 'self'",
    // Inline styles: the component library sets element styles at run time.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    `connect-src ${['\'self\'', ...[...connect].sort()].join(' ')}`,
    "frame-src 'none'",
    "worker-src 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** Whether a URL is a page of the app itself (`app://algodeck/…`, nothing smuggled in). */
export function isAppUrl(url: string): boolean {
  const parsed = parse(url);
  return parsed !== null && parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && parsed.username === '' && parsed.password === '' && parsed.port === '';
}

/** IPC is answered only for the app's own top frame. */
export function isTrustedSender(frame: { url: string; isMainFrame?: boolean } | null | undefined): boolean {
  return frame !== null && frame !== undefined && frame.isMainFrame !== false && isAppUrl(frame.url);
}

/** The window stays on the app: any other navigation is refused (links go through `openExternal`). */
export function navigationAllowed(url: string): boolean {
  return isAppUrl(url);
}

/**
 * Whether a link may open in the OS browser: https on an allowed host (exactly, no lookalike
 * subdomain), or one of the user's agents (to open its dashboard in a browser). No credentials.
 */
export function externalUrlAllowed(url: string, agentUrls: readonly string[] = []): boolean {
  const parsed = parse(url);
  if (!parsed || parsed.username !== '' || parsed.password !== '') return false;
  if (parsed.protocol === 'https:' && parsed.port === '' && EXTERNAL_HOSTS.includes(parsed.hostname)) return true;
  const agents = new Set(agentUrls.map(agentAddress).flatMap((address) => (address.ok ? [address.origin] : [])));
  return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && agents.has(parsed.origin);
}
