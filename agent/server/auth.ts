/** Token checks: the agent keeps only a hash of its token and compares in constant time. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
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

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/;

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host.replace(/^\[|\]$/g, ''));
}
