/**
 * The tick link: a private local socket (a Unix socket in a 0700 directory, or a named pipe on
 * Windows) that carries a worker's broker frames to the agent as raw bytes. Control messages
 * stay on the process host's message channel; ticks skip it because structured clone copies
 * every frame several times, and that copying (and the garbage it leaves) was the workers'
 * main cost.
 *
 * The worker listens on a path the agent chose in its private directory and tells the agent
 * (`link-listening`); the agent connects and writes the 32-byte key it gave the worker in its
 * `init` message; the worker checks it in constant time, stops listening, and writes frames:
 * uint32 length, float64 receivedAt (epoch ms), then `length` bytes of a Kite frame. Big-endian,
 * like everything else on the wire. The agent is the side that connects because only a
 * connecting socket can read into a buffer of its own (`onread`): the agent parses frames where
 * they land, with nothing allocated or joined per read.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_BROKER_FRAME_BYTES } from './provider';
import { ReadBuffer } from './read-buffer';

export const LINK_KEY_BYTES = 32;
export const LINK_HEADER = 12;
/** A frame carries one broker frame, so the broker's limit is the link's. */
export const LINK_MAX_FRAME = MAX_BROKER_FRAME_BYTES;
const KEY_TIMEOUT_MS = 5000;
/** Unix socket paths are short (104 bytes on macOS, 108 on Linux, counting the final NUL). */
const MAX_SOCKET_PATH = 100;

export interface LinkHandlers {
  /** One frame, a view valid only during the call; returning an error text ends the link. */
  frame(bytes: Uint8Array, receivedAt: number): string | undefined;
  /** The link ended: the worker closed it, or it sent something that is not a frame. */
  closed(reason: string): void;
}

export interface ExpectedLink {
  /** Where the worker is to listen. */
  readonly path: string;
  /** Hex key to hand to the worker (single use). */
  readonly key: string;
  /** Connects, once the worker says it is listening. */
  connect(): void;
  /** Ends the link, or stops it from being made; `closed` is not called after this. */
  cancel(): void;
}

/** Names the agent that made a link directory, so a later agent can tell it was abandoned. */
const OWNER_FILE = 'agent.pid';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, but not ours to signal
  }
}

/**
 * Removes link directories that agents killed without a chance to clean up (SIGKILL, a crash)
 * left behind: ours, and whose agent is gone. A directory without an owner file is not touched.
 */
function removeAbandoned(base: string): void {
  let names: string[];
  try {
    names = readdirSync(base).filter((name) => name.startsWith('algodeck-'));
  } catch {
    return;
  }
  const uid = process.getuid?.();
  for (const name of names) {
    const dir = join(base, name);
    try {
      if (statSync(dir).uid !== uid) continue;
      const pid = Number(readFileSync(join(dir, OWNER_FILE), 'utf8'));
      if (Number.isInteger(pid) && pid > 0 && !isRunning(pid)) rmSync(dir, { recursive: true, force: true });
    } catch {
      // not a link directory, or gone already
    }
  }
}

/** The agent's side: a private directory holding each worker's link socket. */
export class TickLinks {
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly dir: string | null) {}

  static open(): TickLinks {
    if (process.platform === 'win32') return new TickLinks(null);
    // A long temp directory (macOS, sandboxed apps) leaves no room for the socket's name.
    const base = join(tmpdir(), 'algodeck-XXXXXX', `${'0'.repeat(16)}.sock`).length <= MAX_SOCKET_PATH ? tmpdir() : '/tmp';
    removeAbandoned(base);
    const dir = mkdtempSync(join(base, 'algodeck-')); // mode 0700
    writeFileSync(join(dir, OWNER_FILE), String(process.pid));
    return new TickLinks(dir);
  }

  /** A link for a worker-to-be: its frames go to `handlers` once connected. */
  expect(handlers: LinkHandlers): ExpectedLink {
    const id = randomBytes(8).toString('hex');
    // A temp cleaner may have removed the directory under a long-running agent.
    if (this.dir) mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const path = this.dir ? join(this.dir, `${id}.sock`) : `\\\\.\\pipe\\algodeck-${randomBytes(16).toString('hex')}`;
    const key = randomBytes(LINK_KEY_BYTES);
    let socket: Socket | null = null;
    let cancelled = false;
    return {
      path,
      key: key.toString('hex'),
      connect: () => {
        if (socket || cancelled) return;
        socket = this.connect(path, key, handlers, () => cancelled);
      },
      cancel: () => {
        cancelled = true;
        socket?.destroy();
      },
    };
  }

  close(): void {
    for (const socket of this.sockets) socket.destroy();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  private connect(path: string, key: Buffer, handlers: LinkHandlers, cancelled: () => boolean): Socket {
    const reader = new LinkFrameReader(handlers.frame);
    let failure = 'the worker closed its tick link';
    const socket = connect({
      path,
      onread: {
        buffer: reader.next,
        callback: (bytes) => {
          let error: string | undefined;
          try {
            error = reader.received(bytes);
          } catch (thrown) {
            // A throw here would escape Node's read callback and end the agent, not one link.
            error = `failed to route a frame: ${thrown instanceof Error ? thrown.message : String(thrown)}`;
          }
          if (error === undefined) return true;
          failure = error;
          socket.destroy();
          return false;
        },
      },
    });
    this.sockets.add(socket);
    socket.on('connect', () => socket.write(key));
    socket.on('error', (error) => (failure = `tick link: ${error.message}`));
    socket.on('close', () => {
      this.sockets.delete(socket);
      if (!cancelled()) handlers.closed(failure);
    });
    return socket;
  }
}

/**
 * Cuts a byte stream into link frames, in place: the stream is read into a reusable buffer and
 * each frame handed over as a view into it. Returns an error text for a bad header.
 */
export class LinkFrameReader {
  private readonly input = new ReadBuffer();

  constructor(private readonly onFrame: (bytes: Uint8Array, receivedAt: number) => string | undefined) {}

  /** Where the next read lands (`onread.buffer`). */
  readonly next = (): Uint8Array => this.input.next();

  /** `bytes` more have landed: hands over every whole frame. */
  received(bytes: number): string | undefined {
    const input = this.input;
    input.received(bytes);
    const buffer = input.bytes;
    while (input.end - input.start >= LINK_HEADER) {
      const at = input.start;
      const length = buffer.readUInt32BE(at);
      if (length > LINK_MAX_FRAME) return `a ${length}-byte frame is past the ${LINK_MAX_FRAME}-byte limit`;
      const receivedAt = buffer.readDoubleBE(at + 4);
      if (!Number.isFinite(receivedAt)) return 'a frame has no valid arrival time';
      const end = at + LINK_HEADER + length;
      if (end > input.end) {
        input.want = LINK_HEADER + length;
        return undefined;
      }
      input.want = 0;
      input.start = end;
      const error = this.onFrame(new Uint8Array(buffer.buffer, buffer.byteOffset + at + LINK_HEADER, length), receivedAt);
      if (error !== undefined) return error;
    }
    return undefined;
  }

  /** Copies a chunk in and reads it: for a stream that arrives as buffers. */
  push(chunk: Uint8Array): string | undefined {
    for (let at = 0; at < chunk.byteLength; ) {
      const room = this.next();
      const take = Math.min(room.byteLength, chunk.byteLength - at);
      room.set(chunk.subarray(at, at + take));
      at += take;
      const error = this.received(take);
      if (error !== undefined) return error;
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

  /**
   * Listens on `path`; `accepted` resolves with the link once the agent has connected with the
   * key. Connections with another key (or none within 5 s) are dropped and listening goes on.
   */
  static async listen(path: string, key: string, flow: LinkFlowControl, options: TickLinkClientOptions = {}): Promise<{ accepted: Promise<TickLinkClient> }> {
    const expected = Buffer.from(key, 'hex');
    let accept: (link: TickLinkClient) => void = () => undefined;
    const accepted = new Promise<TickLinkClient>((resolve) => (accept = resolve));
    const server = createServer((socket) => {
      socket.on('error', () => undefined); // 'close' follows
      const timer = setTimeout(() => socket.destroy(), KEY_TIMEOUT_MS);
      timer.unref();
      let head = Buffer.alloc(0);
      const onKey = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        if (head.byteLength < LINK_KEY_BYTES) return;
        clearTimeout(timer);
        socket.off('data', onKey);
        if (head.byteLength !== LINK_KEY_BYTES || !timingSafeEqual(head, expected)) {
          socket.destroy();
          return;
        }
        server.close(); // one link per worker; this also removes the socket file
        socket.resume(); // nothing more is expected from the agent; read on to see it close
        accept(new TickLinkClient(socket, flow, options));
      };
      socket.on('data', onKey);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        server.on('error', () => undefined); // a failed accept (out of descriptors) is not the link's end
        resolve();
      });
    });
    return { accepted };
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
