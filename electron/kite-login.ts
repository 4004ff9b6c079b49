/**
 * The Kite login window's rules, as plain functions: where the window may go (Kite's own login
 * pages), and how the redirect back to the agent is recognised and read. The redirect is never
 * loaded: the shell takes its query and hands it to the agent's callback through the API, so the
 * request token never reaches a page.
 */
import { api } from '../shared/contract/api';

export const KITE_LOGIN_HOSTS: readonly string[] = ['kite.zerodha.com'];

export type LoginNavigation = { kind: 'kite' } | { kind: 'callback'; query: Record<string, string> } | { kind: 'refused'; reason: string };

/**
 * What to do with a navigation of the login window: let it through to Kite (https, Kite's host),
 * take it as the redirect to this agent's callback (its origin and path exactly), or refuse it.
 */
export function loginNavigation(url: string, agentOrigin: string): LoginNavigation {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { kind: 'refused', reason: 'not a URL' };
  }
  if (parsed.username !== '' || parsed.password !== '') return { kind: 'refused', reason: 'credentials in the URL' };
  if (parsed.protocol === 'https:' && parsed.port === '' && KITE_LOGIN_HOSTS.includes(parsed.hostname)) return { kind: 'kite' };
  if (parsed.origin === agentOrigin && parsed.pathname === api.kiteLoginCallback.path) {
    const query: Record<string, string> = {};
    for (const [name, value] of parsed.searchParams) {
      // One value per name: a repeated parameter is ambiguous, so nothing is guessed.
      if (Object.hasOwn(query, name)) return { kind: 'refused', reason: `the redirect repeats ${name}` };
      query[name] = value;
    }
    return { kind: 'callback', query };
  }
  return { kind: 'refused', reason: `${parsed.protocol}//${parsed.host} is neither Kite nor this agent's callback` };
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/**
 * Hands the redirect's query to the agent's callback (the shell fetches it; no page loads it) and
 * reads the agent's answer: logged in, or the agent's own reason.
 */
export async function finishKiteLogin(fetch: (url: string) => Promise<{ status: number; text(): Promise<string> }>, agentOrigin: string, query: Record<string, string>): Promise<{ ok: boolean; message: string }> {
  const url = new URL(api.kiteLoginCallback.path, agentOrigin);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  try {
    const answer = await fetch(url.toString());
    const html = await answer.text();
    const said = /<p>([^<]*)<\/p>/.exec(html)?.[1]?.replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity]!);
    return { ok: answer.status === 200, message: said ?? `The agent answered HTTP ${answer.status}.` };
  } catch (error) {
    return { ok: false, message: `The agent could not be reached to finish the login (${error instanceof Error ? error.message : String(error)}).` };
  }
}
