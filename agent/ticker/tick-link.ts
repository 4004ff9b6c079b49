/**
 * The tick link: a private local socket (a Unix socket in a 0700 directory, or a named pipe on
 * Windows) that carries a worker's broker frames to the agent as raw bytes. Control messages
 * stay on the process host's message channel; ticks skip it because structured clone copies
 * every frame several times, and that copying (and the garbage it leaves) was the workers'
 * main cost.
 *
 * A worker connects, writes the 32-byte key it was given in its `init` message, then writes
 * frames: uint32 length, float64 receivedAt (epoch ms), then `length` bytes of a Kite frame.
 * Big-endian, like everything else on the wire.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const LINK_KEY_BYTES = 32;
export const LINK_HEADER = 12;
/** Kite's largest frame is 3000 full packets (about 560 KB); anything far past it is garbage. */
export const LINK_MAX_FRAME = 4 * 1024 * 1024;
const KEY_TIMEOUT_MS = 5000;

export interface LinkHandlers {
  /** One frame; returning an error text ends the link. */
  frame(bytes: Uint8Array, receivedAt: number): string | undefined;
  /** The link ended: the worker closed it, or it sent something that is not a frame. */
  closed(reason: string): void;
}

export interface ExpectedLink {
  /** Hex key to hand to the worker (single use). */
  readonly key: string;
  /** Forgets the key, and ends the link if it is open. */
  cancel(): void;
}

interface Pending {
  key: Buffer;
  handlers: LinkHandlers;
  socket: Socket | null;
  cancelled: boolean;
}

/** The agent's side: one listening socket, one link per worker process. */
export class TickLinkServer {
  private readonly pending = new Set<Pending>();
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly path: string,
    private readonly dir: string | null,
  ) {
    server.on('connection', (socket) => this.accept(socket));
  }

  static async open(): Promise<TickLinkServer> {
    const id = randomBytes(8).toString('hex');
    const dir = process.platform === 'win32' ? null : mkdtempSync(join(tmpdir(), 'algodeck-')); // mode 0700
    const path = dir ? join(dir, 'ticks.sock') : `\\\\.\\pipe\\algodeck-${process.pid}-${id}`;
    const server = createServer();
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(path, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      if (dir) rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return new TickLinkServer(server, path, dir);
  }

  /** Registers a worker-to-be; its frames go to `handlers` once it connects with the key. */
  expect(handlers: LinkHandlers): ExpectedLink {
    const entry: Pending = { key: randomBytes(LINK_KEY_BYTES), handlers, socket: null, cancelled: false };
    this.pending.add(entry);
    return {
      key: entry.key.toString('hex'),
      cancel: () => {
        entry.cancelled = true;
        this.pending.delete(entry);
        entry.socket?.destroy();
      },
    };
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined); // 'close' follows
    const timer = setTimeout(() => socket.destroy(), KEY_TIMEOUT_MS);
    timer.unref();
    let head = Buffer.alloc(0);
    const onKey = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      if (head.byteLength < LINK_KEY_BYTES) return;
      clearTimeout(timer);
      socket.off('data', onKey);
      const entry = this.match(head.subarray(0, LINK_KEY_BYTES));
      if (!entry) {
        socket.destroy();
        return;
      }
      this.pending.delete(entry);
      entry.socket = socket;
      const reader = new LinkFrameReader(entry.handlers.frame);
      let failure = 'the worker closed its tick link';
      socket.on('data', (data: Buffer) => {
        const error = reader.push(data);
        if (error) {
          failure = error;
          socket.destroy();
        }
      });
      socket.on('close', () => {
        if (!entry.cancelled) entry.handlers.closed(failure);
      });
      const rest = head.subarray(LINK_KEY_BYTES);
      if (rest.byteLength > 0) socket.emit('data', rest);
    };
    socket.on('data', onKey);
  }

  /** Compares against every pending key, each in constant time. */
  private match(key: Buffer): Pending | undefined {
    let found: Pending | undefined;
    for (const entry of this.pending) if (timingSafeEqual(entry.key, key)) found = entry;
    return found;
  }
}

/**
 * Cuts a byte stream into link frames. A frame inside one chunk is handed over as a view (no
 * copy); only a frame split across chunks is joined. Returns an error text for a bad header.
 */
export class LinkFrameReader {
  private parts: Buffer[] = [];
  private partBytes = 0;
  private need = 0;

  constructor(private readonly onFrame: (bytes: Uint8Array, receivedAt: number) => string | undefined) {}

  push(chunk: Buffer): string | undefined {
    let buffer = chunk;
    if (this.partBytes > 0) {
      this.parts.push(chunk);
      this.partBytes += chunk.byteLength;
      if (this.partBytes < this.need) return undefined;
      buffer = Buffer.concat(this.parts, this.partBytes);
      this.parts = [];
      this.partBytes = 0;
    }
    let at = 0;
    while (buffer.byteLength - at >= LINK_HEADER) {
      const length = buffer.readUInt32BE(at);
      if (length > LINK_MAX_FRAME) return `a ${length}-byte frame is past the ${LINK_MAX_FRAME}-byte limit`;
      const receivedAt = buffer.readDoubleBE(at + 4);
      if (!Number.isFinite(receivedAt)) return 'a frame has no valid arrival time';
      const end = at + LINK_HEADER + length;
      if (end > buffer.byteLength) break;
      const error = this.onFrame(new Uint8Array(buffer.buffer, buffer.byteOffset + at + LINK_HEADER, length), receivedAt);
      if (error !== undefined) return error;
      at = end;
    }
    if (at < buffer.byteLength) {
      const rest = buffer.subarray(at);
      this.parts = [rest];
      this.partBytes = rest.byteLength;
      this.need = rest.byteLength >= LINK_HEADER ? LINK_HEADER + rest.readUInt32BE(0) : LINK_HEADER;
    }
    return undefined;
  }
}

/** What the worker's link tells its broker connection when the agent falls behind. */
export interface LinkFlowControl {
  pause(): void;
  resume(): void;
}

export interface TickLinkClientOptions {
  /** Bytes waiting behind the write in flight past which the broker connection is paused. */
  highWaterBytes?: number;
}

const INITIAL_OUT_BYTES = 1024 * 1024;
const DEFAULT_HIGH_WATER_BYTES = 2 * 1024 * 1024;

/**
 * The worker's side: connects, proves itself with the key, then writes frames. Frames are copied
 * into one of two reusable buffers: while one is being written, the next frames gather in the
 * other and go out together when the write completes. So the broker's read buffer is free again
 * as soon as `send` returns, nothing is allocated per frame, and a busy link writes in large
 * chunks. If the agent falls behind, the broker connection is paused until the write completes.
 */
export class TickLinkClient {
  private filling = Buffer.allocUnsafe(INITIAL_OUT_BYTES);
  private spare = Buffer.allocUnsafe(INITIAL_OUT_BYTES);
  private filled = 0;
  private writing = false;
  private paused = false;
  private readonly highWater: number;

  private constructor(
    private readonly socket: Socket,
    private readonly flow: LinkFlowControl,
    options: TickLinkClientOptions,
  ) {
    this.highWater = options.highWaterBytes ?? DEFAULT_HIGH_WATER_BYTES;
  }

  static connect(path: string, key: string, flow: LinkFlowControl, options: TickLinkClientOptions = {}): Promise<TickLinkClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(path);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        socket.write(Buffer.from(key, 'hex'));
        resolve(new TickLinkClient(socket, flow, options));
      });
    });
  }

  /** Bytes handed to `send` and not yet given to the socket. */
  get pendingBytes(): number {
    return this.filled;
  }

  /** Queues a frame; `bytes` is copied, so the caller may reuse its memory at once. */
  send(bytes: Uint8Array, receivedAt: number): void {
    const need = LINK_HEADER + bytes.byteLength;
    if (this.filling.byteLength - this.filled < need) {
      const bigger = Buffer.allocUnsafe(Math.max(2 * this.filling.byteLength, this.filled + need));
      this.filling.copy(bigger, 0, 0, this.filled);
      this.filling = bigger;
    }
    const at = this.filled;
    this.filling.writeUInt32BE(bytes.byteLength, at);
    this.filling.writeDoubleBE(receivedAt, at + 4);
    this.filling.set(bytes, at + LINK_HEADER);
    this.filled = at + need;
    if (!this.writing) this.flush();
    else if (!this.paused && this.filled >= this.highWater) {
      this.paused = true;
      this.flow.pause();
    }
  }

  onClose(listener: (error: Error | undefined) => void): void {
    let error: Error | undefined;
    this.socket.on('error', (e) => (error = e));
    this.socket.on('close', () => listener(error));
  }

  close(): void {
    this.socket.end();
  }

  private flush(): void {
    const chunk = this.filling.subarray(0, this.filled);
    const written = this.filling;
    this.filling = this.spare;
    this.spare = written;
    this.filled = 0;
    this.writing = true;
    this.socket.write(chunk, this.afterWrite);
  }

  private readonly afterWrite = (error: Error | null | undefined): void => {
    this.writing = false;
    if (error) return; // the socket is gone; 'close' reports it
    if (this.filled > 0) this.flush();
    if (this.paused) {
      this.paused = false;
      this.flow.resume();
    }
  };
}
