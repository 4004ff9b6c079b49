/**
 * An agent's address as a client may use it: a bare origin, and TLS for anything off loopback (a
 * token must never cross a network in the clear). Shared by the desktop shell, which stores and
 * connects to remote agents, and the page's form that adds one, so both say the same thing.
 */

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/;

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host.replace(/^\[|\]$/g, ''));
}

export type AgentAddressProblem = 'not_a_url' | 'unsupported_scheme' | 'credentials_in_url' | 'tls_required' | 'not_an_origin';

export const AGENT_ADDRESS_PROBLEMS: Record<AgentAddressProblem, string> = {
  not_a_url: "This is not a URL: give the agent's address, like https://agent.example.net:7420.",
  unsupported_scheme: 'An agent is reached over https (or http on this computer).',
  credentials_in_url: 'Leave the user and password out of the address: the token goes in its own field.',
  tls_required: 'An agent on another machine must be reached over https (TLS): its token would cross the network in the clear.',
  not_an_origin: "Give the agent's address alone (scheme, host and port), without a path or a query.",
};

/**
 * An agent's address as the window may reach it: its `http(s)` origin and the stream's `ws(s)`
 * one. Anything off loopback must use TLS (`https`); a URL with a user, a path, a query or a
 * fragment is refused rather than trimmed, so what is stored is what was meant.
 */
export function agentAddress(url: string): { ok: true; origin: string; streamOrigin: string } | { ok: false; problem: AgentAddressProblem } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, problem: 'not_a_url' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return { ok: false, problem: 'unsupported_scheme' };
  if (parsed.username !== '' || parsed.password !== '') return { ok: false, problem: 'credentials_in_url' };
  if ((parsed.pathname !== '/' && parsed.pathname !== '') || parsed.search !== '' || parsed.hash !== '') return { ok: false, problem: 'not_an_origin' };
  if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) return { ok: false, problem: 'tls_required' };
  return { ok: true, origin: parsed.origin, streamOrigin: parsed.origin.replace(/^http/, 'ws') };
}
