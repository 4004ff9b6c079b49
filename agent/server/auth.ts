/**
 * Who is calling: bearer tokens resolved to principals. The agent keeps only hashes of tokens
 * and compares them in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isPrincipal, type Principal } from '../../shared/contract/scopes';
import { BEARER_PROTOCOL_PREFIX } from '../../shared/contract/stream';

export const MIN_TOKEN_LENGTH = 16;

export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export class TokenVerifier {
  private readonly hash: Buffer;

  constructor(token: string) {
    this.hash = digest(token);
  }

  /** Hashing first makes every comparison the same length, so timing tells nothing. */
  verify(candidate: string | undefined): boolean {
    if (candidate === undefined || candidate.length === 0) return false;
    return timingSafeEqual(digest(candidate), this.hash);
  }
}

/** Turns a token into a principal, or says it is not one of its tokens. */
export interface PrincipalResolver {
  resolve(token: string): Principal | undefined;
}

/** The agent's own token: its holder is the owner. */
export class OwnerToken implements PrincipalResolver {
  private readonly verifier: TokenVerifier;

  constructor(token: string) {
    this.verifier = new TokenVerifier(token);
  }

  resolve(token: string): Principal | undefined {
    return this.verifier.verify(token) ? { kind: 'owner' } : undefined;
  }
}

/**
 * Every kind of token the agent accepts: the owner's now; dashboard sessions, task tokens and
 * read-only tokens are added as resolvers by the services that issue them.
 */
export class Authenticator {
  private readonly resolvers: PrincipalResolver[] = [];

  constructor(...resolvers: PrincipalResolver[]) {
    this.resolvers.push(...resolvers);
  }

  /** Adds a resolver; returns its removal. */
  add(resolver: PrincipalResolver): () => void {
    this.resolvers.push(resolver);
    return () => {
      const at = this.resolvers.indexOf(resolver);
      if (at >= 0) this.resolvers.splice(at, 1);
    };
  }

  resolve(token: string | undefined): Principal | undefined {
    if (token === undefined || token.length === 0) return undefined;
    for (const resolver of this.resolvers) {
      const principal = resolver.resolve(token);
      // Only a principal of a known kind counts: a resolver that looks tokens up in an object
      // must not turn `__proto__` into somebody.
      if (isPrincipal(principal)) return principal;
    }
    return undefined;
  }
}

/** The token of an `Authorization: Bearer <token>` header, if that is what it holds. */
export function bearerToken(header: string | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer[ ]+([^\s]+)[ ]*$/i.exec(header);
  return match?.[1];
}

/** The token a browser offered as a `bearer.<token>` WebSocket subprotocol. */
export function protocolToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(',')) {
    const protocol = part.trim();
    if (protocol.startsWith(BEARER_PROTOCOL_PREFIX) && protocol.length > BEARER_PROTOCOL_PREFIX.length) {
      return protocol.slice(BEARER_PROTOCOL_PREFIX.length);
    }
  }
  return undefined;
}

export { isLoopbackHost } from '../../shared/agent-address';
