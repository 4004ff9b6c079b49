/**
 * Kite's REST conventions on Node's HTTP server: the `{"status":"success","data":…}` envelope,
 * the error shape every client reads (`status`, `message`, `data: null`, `error_type`), and
 * request bodies read whole but bounded.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export type KiteErrorType = 'TokenException' | 'InputException' | 'OrderException' | 'NetworkException' | 'GeneralException' | 'PermissionException';

/** A refusal in Kite's words: thrown by a handler, answered by the router. */
export class KiteError extends Error {
  constructor(
    readonly status: number,
    readonly errorType: KiteErrorType,
    message: string,
  ) {
    super(message);
  }
}

/** Bodies larger than this are refused with 413: nothing the emulator serves needs more. */
export const MAX_BODY_BYTES = 64 * 1024;

export const INCORRECT_CREDENTIALS = 'Incorrect `api_key` or `access_token`.';

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers }).end(text);
}

export function sendSuccess(response: ServerResponse, data: unknown): void {
  sendJson(response, 200, { status: 'success', data });
}

export function sendKiteError(response: ServerResponse, error: KiteError): void {
  // After a refused body the rest of it may still be arriving: close rather than read on.
  const headers: Record<string, string> = error.status === 413 ? { connection: 'close' } : {};
  sendJson(response, error.status, { status: 'error', message: error.message, data: null, error_type: error.errorType }, headers);
}

export function sendText(response: ServerResponse, status: number, contentType: string, text: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), ...headers }).end(text);
}

/** Reads the whole body; rejects with a 413 KiteError past `limit` bytes, without buffering the excess. */
export function readBody(request: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.removeAllListeners('data');
        request.pause();
        reject(tooLarge(limit));
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function tooLarge(limit: number): KiteError {
  return new KiteError(413, 'InputException', `Request body is larger than ${limit} bytes.`);
}

/** A form-encoded body's fields (what Kite's POST and PUT calls send); unknown fields are the handler's to ignore. */
export function formFields(body: Buffer): URLSearchParams {
  return new URLSearchParams(body.toString('utf8'));
}
