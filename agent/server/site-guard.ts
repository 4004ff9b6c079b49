/**
 * What keeps other sites out of a browser's session: a request that rides on the session cookie
 * must name this agent in its `Host` (a DNS-rebinding page names its own domain), and, when it
 * changes state or opens the stream, come from this agent's own origin (`Origin`). Requests with
 * a bearer token carry no ambient credential and need neither.
 */
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

function isLoopbackName(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
