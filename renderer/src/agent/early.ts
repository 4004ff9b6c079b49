/**
 * The app's side of the early start (`boot/early-start.ts`): a request or stream the boot script
 * already began is taken over, once, instead of being made again. Anything that does not match
 * exactly (another URL, a body, a header, other subprotocols), or comes too late, is made anew.
 */
import type { WebSocketLike } from '../../../shared/contract/stream-client';
import type { EarlyEvent, EarlyStart } from '../boot/early-start';

interface RequestLike {
  method: string;
  headers?: Record<string, string>;
  body?: string;
}

/** The early response for this request, taken (it is never handed out twice); undefined if none. */
export function takeEarlyResponse(early: EarlyStart | undefined, url: string, init: RequestLike, now: number): Promise<Response> | undefined {
  if (!early || early.responses.size === 0) return undefined;
  if (now > early.expiresAt) {
    abandonEarly(early);
    return undefined;
  }
  // A request with headers (a token) or a body is not the one the boot script made.
  if (init.method !== 'GET' || init.body !== undefined || Object.keys(init.headers ?? {}).length > 0) return undefined;
  const response = early.responses.get(url);
  if (response) early.responses.delete(url);
  return response;
}

/** The app stops looking: what was not taken is dropped, and a stream nobody took is closed. */
export function abandonEarly(early: EarlyStart | undefined): void {
  if (!early) return;
  early.abandoned = true;
  early.responses.clear();
  const stream = early.stream;
  early.stream = null;
  if (stream) {
    stream.release();
    stream.socket.close();
  }
}

/** The early stream as the stream client's socket, if it was opened for this URL and subprotocols. */
export function adoptEarlyStream(early: EarlyStart | undefined, url: string, protocols: readonly string[]): WebSocketLike | undefined {
  const stream = early?.stream;
  if (!early || !stream || stream.url !== url || stream.protocols.join(' ') !== protocols.join(' ')) return undefined;
  early.stream = null;
  // The boot script opened a browser WebSocket, which is what the stream client takes.
  return new AdoptedSocket(stream.socket as unknown as WebSocketLike, stream.release());
}

/**
 * A socket that was open before its client: what it received meanwhile is delivered, in order,
 * right after the client sets its handlers (in the same turn, before any later event).
 */
class AdoptedSocket implements WebSocketLike {
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(
    private readonly socket: WebSocketLike,
    recorded: EarlyEvent[],
  ) {
    socket.onmessage = (event) => this.onmessage?.(event);
    socket.onclose = (event) => this.onclose?.(event);
    socket.onerror = (event) => this.onerror?.(event);
    queueMicrotask(() => {
      for (const event of recorded) {
        if (event.type === 'message') this.onmessage?.({ data: event.data });
        else this.onclose?.({ code: event.code, reason: event.reason });
      }
    });
  }

  get binaryType(): string {
    return this.socket.binaryType;
  }
  set binaryType(value: string) {
    this.socket.binaryType = value;
  }
  get readyState(): number {
    return this.socket.readyState;
  }
  send(data: string): void {
    this.socket.send(data);
  }
  close(code?: number, reason?: string): void {
    this.socket.close(code, reason);
  }
}
