/**
 * A WebSocket client (RFC 6455, client role) for reading a broker's market-data feed at high
 * rates. The socket reads straight into one reusable buffer (Node's `onread`), frames are parsed
 * where they landed, and each binary message reaches the listener as a view into that buffer,
 * valid only during the call. No buffer is allocated per message or per read: a general client
 * allocates both, and at a million ticks a second the garbage collector then costs the worker
 * more than the rest of its work together (see docs/ARCHITECTURE.md).
 *
 * Scope is what a ticker feed needs: ws: and wss:, no extensions (so no compression), no
 * subprotocols; text and binary messages, fragmentation, ping/pong and the closing handshake.
 */
import { isIP, connect as netConnect, type OnReadOpts, type Socket } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import { ReadBuffer } from './read-buffer';
import { clientFrame, closePayload, isValidCloseCode, OP_BINARY, OP_CLOSE, OP_CONTINUATION, OP_PING, OP_PONG, OP_TEXT } from './websocket-frame';
import { MAX_ANSWER_HEAD_BYTES, openingHandshake, readUpgradeAnswer } from './websocket-handshake';

export interface FeedSocketListener {
  open(): void;
  /** A binary message: a view into the read buffer, valid only until this call returns. */
  binary(bytes: Uint8Array): void;
  text(text: string): void;
  /** The server answered the upgrade with another HTTP status; the socket then closes. */
  unexpectedResponse(status: number): void;
  /**
   * Once, when the connection is gone: the close code the server sent (1005 if its close frame
   * had none, 1006 if there was no closing handshake) and, after a failure, what went wrong.
   */
  close(code: number, reason: string, error: string | undefined): void;
}

export interface FeedSocketOptions {
  headers?: Record<string, string>;
  /** From the start of the connection to the server's 101 answer. */
  handshakeTimeoutMs: number;
  /** A longer message (whole, after reassembly) fails the connection with 1009. */
  maxMessageBytes?: number;
  /** Extra TLS options for wss: (a test's own CA, say). */
  tls?: ConnectionOptions;
}

type State = 'connecting' | 'open' | 'closing' | 'closed';

const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

// A leading byte-order mark is part of the text: TextDecoder would strip it by default.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

class ProtocolError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export class FeedSocket {
  private readonly socket: Socket;
  private readonly listener: FeedSocketListener;
  private readonly maxMessageBytes: number;
  private readonly expectedAccept: string;
  private state: State = 'connecting';
  private paused = false;
  private handshakeTimer: NodeJS.Timeout | null;

  private readonly input = new ReadBuffer();

  // A fragmented message being reassembled.
  private fragmentOpcode = 0;
  private fragments: Buffer | null = null;
  private fragmentBytes = 0;

  private closeCode = 1006;
  private closeReason = '';
  private error: string | undefined;

  /** Connects at once. Throws on a URL or header that cannot be sent. */
  constructor(url: string, listener: FeedSocketListener, options: FeedSocketOptions) {
    const target = new URL(url);
    const secure = target.protocol === 'wss:';
    if (!secure && target.protocol !== 'ws:') throw new TypeError(`a feed url must be ws: or wss:, got ${target.protocol}`);
    const handshake = openingHandshake(target, options.headers ?? {});
    this.listener = listener;
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.expectedAccept = handshake.expectedAccept;

    const host = target.hostname.startsWith('[') ? target.hostname.slice(1, -1) : target.hostname;
    const port = Number(target.port) || (secure ? 443 : 80);
    const onread: OnReadOpts = { buffer: this.input.next, callback: this.onRead };
    // tls.connect takes `onread` as net.connect does (Node's types omit it).
    const tlsOptions: ConnectionOptions & { onread: OnReadOpts } = { ...options.tls, host, port, ...(isIP(host) ? {} : { servername: host }), onread };
    this.socket = secure ? tlsConnect(tlsOptions) : netConnect({ host, port, onread });
    this.socket.setNoDelay(true);
    this.socket.on('error', (error) => this.fail(error.message));
    this.socket.on('close', this.onSocketClose);
    this.handshakeTimer = setTimeout(() => this.fail('opening handshake has timed out'), options.handshakeTimeoutMs);
    this.socket.write(handshake.request, 'latin1');
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** Sends a text message (ignored unless open). */
  send(text: string): void {
    if (this.state === 'open') this.sendFrame(OP_TEXT, Buffer.from(text, 'utf8'));
  }

  /** Stops reading and delivering until resume(); the opening handshake is still read. */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    if (this.state !== 'connecting') this.socket.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.state === 'closed') return;
    this.socket.resume();
    // Messages that arrived in the read that preceded the pause are still in the buffer.
    if (this.input.available > 0) setImmediate(() => this.parseSafely());
  }

  /** Starts the closing handshake (or aborts a connection still opening). */
  close(code = 1000): void {
    if (!isValidCloseCode(code)) throw new RangeError(`${code} is not a close code a client may send`);
    if (this.state === 'connecting') {
      this.fail('closed before the connection was established');
      return;
    }
    if (this.state !== 'open') return;
    this.state = 'closing';
    this.sendFrame(OP_CLOSE, closePayload(code));
  }

  /** Drops the connection at once. */
  terminate(): void {
    if (this.state === 'closed') return;
    this.state = 'closing';
    this.input.discard(); // bytes already read are not parsed either
    this.clearHandshakeTimer();
    this.socket.destroy();
  }

  // --- reading ---

  private readonly onRead = (bytes: number): boolean => {
    this.input.received(bytes);
    this.parseSafely();
    return true;
  };

  /** Runs inside the socket's read callback, where a throw would take the process down. */
  private parseSafely(): void {
    try {
      this.parse();
    } catch (error) {
      if (error instanceof ProtocolError) this.fail(error.message, error.code);
      else this.fail(`failed to read the feed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private parse(): void {
    while (this.state !== 'closed' && this.input.available > 0 && !(this.paused && this.state !== 'connecting')) {
      if (this.state === 'connecting') {
        if (!this.readHandshake()) return;
        continue;
      }
      if (!this.readFrame()) return;
    }
  }

  private readHandshake(): boolean {
    const input = this.input;
    const available = input.bytes.subarray(input.start, input.end);
    const headEnd = available.indexOf('\r\n\r\n', 0, 'latin1');
    if (headEnd < 0) {
      if (available.byteLength > MAX_ANSWER_HEAD_BYTES) throw new ProtocolError(1002, 'the upgrade response head is too large');
      return false;
    }
    const answer = readUpgradeAnswer(available.toString('latin1', 0, headEnd), this.expectedAccept);
    input.start += headEnd + 4;
    if ('error' in answer) throw new ProtocolError(1002, answer.error);
    if (answer.status !== 101) {
      this.listener.unexpectedResponse(answer.status);
      this.fail(`unexpected server response: ${answer.status}`);
      return false;
    }
    this.state = 'open';
    this.clearHandshakeTimer();
    if (this.paused) this.socket.pause();
    this.listener.open();
    return true;
  }

  /** Handles one whole frame at `start`; false when it has not fully arrived. */
  private readFrame(): boolean {
    const input = this.input;
    const buffer = input.bytes;
    const at = input.start;
    const available = input.end - at;
    if (available < 2) return false;
    const b0 = buffer[at]!;
    const b1 = buffer[at + 1]!;
    let length = b1 & 0x7f;
    let header = 2;
    if (length === 126) {
      if (available < 4) return false;
      length = buffer.readUInt16BE(at + 2);
      header = 4;
    } else if (length === 127) {
      if (available < 10) return false;
      if (buffer.readUInt32BE(at + 2) !== 0) throw new ProtocolError(1009, 'a frame is longer than 4 GiB');
      length = buffer.readUInt32BE(at + 6);
      header = 10;
    }
    if ((b0 & 0x70) !== 0) throw new ProtocolError(1002, 'a frame has reserved bits set');
    if ((b1 & 0x80) !== 0) throw new ProtocolError(1002, 'the server masked a frame');
    const opcode = b0 & 0x0f;
    const fin = (b0 & 0x80) !== 0;
    if (opcode >= OP_CLOSE) {
      if (!fin || length > 125) throw new ProtocolError(1002, 'a control frame is fragmented or longer than 125 bytes');
    } else if (this.fragmentBytes + length > this.maxMessageBytes) {
      throw new ProtocolError(1009, `a message is longer than ${this.maxMessageBytes} bytes`);
    }
    if (available < header + length) {
      input.want = header + length;
      return false;
    }
    input.want = 0;
    const from = at + header;
    const to = from + length;
    input.start = to;
    this.onFrame(opcode, fin, from, to);
    return true;
  }

  private onFrame(opcode: number, fin: boolean, from: number, to: number): void {
    switch (opcode) {
      case OP_TEXT:
      case OP_BINARY:
        if (this.fragmentOpcode !== 0) throw new ProtocolError(1002, 'a new message started inside a fragmented one');
        if (fin) return this.deliver(opcode, this.input.bytes.subarray(from, to));
        this.fragmentOpcode = opcode;
        return this.addFragment(from, to);
      case OP_CONTINUATION: {
        if (this.fragmentOpcode === 0) throw new ProtocolError(1002, 'a continuation frame without a message to continue');
        this.addFragment(from, to);
        if (!fin) return;
        const opcodeOfMessage = this.fragmentOpcode;
        const message = this.fragments!.subarray(0, this.fragmentBytes);
        this.fragmentOpcode = 0;
        this.fragmentBytes = 0;
        return this.deliver(opcodeOfMessage, message);
      }
      case OP_CLOSE:
        return this.onCloseFrame(from, to);
      case OP_PING:
        if (this.state === 'open') this.sendFrame(OP_PONG, this.input.bytes.subarray(from, to)); // masking copies it
        return;
      case OP_PONG:
        return;
      default:
        throw new ProtocolError(1002, `a frame has the unknown opcode ${opcode}`);
    }
  }

  private addFragment(from: number, to: number): void {
    const length = to - from;
    const needed = this.fragmentBytes + length;
    if (!this.fragments || this.fragments.byteLength < needed) {
      const bigger = Buffer.allocUnsafe(Math.max(needed, 2 * (this.fragments?.byteLength ?? 0), 64 * 1024));
      this.fragments?.copy(bigger, 0, 0, this.fragmentBytes);
      this.fragments = bigger;
    }
    this.input.bytes.copy(this.fragments, this.fragmentBytes, from, to);
    this.fragmentBytes = needed;
  }

  private deliver(opcode: number, bytes: Uint8Array): void {
    if (this.state !== 'open') return; // data after our close frame is not read
    if (opcode === OP_BINARY) {
      this.listener.binary(bytes);
      return;
    }
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      throw new ProtocolError(1007, 'a text message is not valid UTF-8');
    }
    this.listener.text(text);
  }

  private onCloseFrame(from: number, to: number): void {
    const length = to - from;
    if (length === 1) throw new ProtocolError(1002, 'a close frame has a 1-byte payload');
    let code = 1005;
    let reason = '';
    if (length >= 2) {
      code = this.input.bytes.readUInt16BE(from);
      if (!isValidCloseCode(code)) throw new ProtocolError(1002, `a close frame has the invalid code ${code}`);
      try {
        reason = utf8.decode(this.input.bytes.subarray(from + 2, to));
      } catch {
        throw new ProtocolError(1007, 'a close reason is not valid UTF-8');
      }
    }
    this.closeCode = code;
    this.closeReason = reason;
    if (this.state === 'open') {
      // Echo the code, as the closing handshake asks.
      this.sendFrame(OP_CLOSE, length >= 2 ? closePayload(code) : Buffer.alloc(0));
    }
    this.state = 'closing';
    this.input.discard(); // nothing after a close frame counts
    this.socket.end();
  }

  // --- writing and ending ---

  private sendFrame(opcode: number, payload: Uint8Array): void {
    this.socket.write(clientFrame(opcode, payload));
  }

  /** Ends the connection over a failure; the first failure is the one reported. */
  private fail(message: string, code?: number): void {
    if (this.state === 'closed') return;
    this.error ??= message;
    if (code !== undefined && this.state === 'open') this.sendFrame(OP_CLOSE, closePayload(code));
    this.state = 'closing';
    this.input.discard(); // nothing more is read
    this.clearHandshakeTimer();
    this.socket.destroy();
  }

  private readonly onSocketClose = (): void => {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.clearHandshakeTimer();
    this.fragments = null;
    this.listener.close(this.closeCode, this.closeReason, this.error);
  };

  private clearHandshakeTimer(): void {
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
  }
}
