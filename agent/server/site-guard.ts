/**
 * What keeps other sites out of a browser's session: a request that rides on the session cookie
 * must name this agent in its `Host` (a DNS-rebinding page names its own domain), and, when it
 * changes state or opens the stream, come from this agent's own origin (`Origin`). Requests with
 * a bearer token carry no ambient credential and need neither. The dashboard's files, public as
 * they are, are served only under the agent's names too, so a rebinding page gets nothing.
 */
import { isIPv6 } from 'node:net';

export class SiteGuard {
  private hosts = new Set<string>();
  private origins = new Set<string>();

  /**
   * @param listenHost the address the agent listens on
   * @param scheme `http` or `https`
   * @param names further host names users reach it by (a remote agent's DNS name)
   */
  constructor(
    private readonly listenHost: string,
    private readonly scheme: 'http' | 'https',
    private readonly names: readonly string[] = [],
  ) {}

  /** Known once the server listens (port 0 picks one). */
  listening(port: number): void {
    const bare = this.listenHost.replace(/^\[|\]$/g, '');
    const loopback = ['127.0.0.1', 'localhost', '[::1]'];
    const all = new Set([bare.includes(':') ? `[${bare}]` : bare, ...this.names, ...(isLoopbackName(bare) || bare === '0.0.0.0' || bare === '::' ? loopback : [])]);
    // On the scheme's default port, browsers leave the port out of Host and Origin.
    const defaultPort = port === (this.scheme === 'https' ? 443 : 80);
    this.hosts = new Set([...all].flatMap((name) => [`${name.toLowerCase()}:${port}`, ...(defaultPort ? [name.toLowerCase()] : [])]));
    this.origins = new Set([...this.hosts].map((host) => `${this.scheme}://${host}`));
  }

  allowsHost(host: string | undefined): boolean {
    return typeof host === 'string' && this.hosts.has(host.toLowerCase());
  }

  allowsOrigin(origin: string | undefined): boolean {
    return typeof origin === 'string' && this.origins.has(origin.toLowerCase());
  }
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * A name users reach the agent by (`--public-name`), as the guard compares it: lower-case, an
 * IPv6 address in brackets. Only the host: the guard adds the agent's own port, so a port, a
 * scheme or a path here is a mistake worth saying, not a name that would never match.
 */
export function publicName(text: string): string | { problem: string } {
  const name = text.trim().toLowerCase();
  if (name === '') return { problem: 'a name is empty' };
  if (name.includes('/')) return { problem: `"${text}" is a URL or a path: give the host name alone (agent.example.net)` };
  const bare = name.replace(/^\[(.*)\]$/, '$1');
  if (isIPv6(bare)) return `[${bare}]`;
  if (name.includes(':')) return { problem: `"${text}" has a port: give the host name alone; the agent adds the port it listens on` };
  // Host names as RFC 1123 has them (letters, digits, inner hyphens; IPv4 addresses pass too).
  const labels = name.split('.');
  if (name.length > 253 || !labels.every((label) => LABEL.test(label))) {
    return { problem: `"${text}" is not a host name: labels of letters, digits and inner hyphens, dot-separated, at most 253 characters` };
  }
  return name;
}

function isLoopbackName(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
