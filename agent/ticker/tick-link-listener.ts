/**
 * The worker's end of its tick link (the wire format is in `tick-link-wire.ts`). The worker
 * listens on the path the agent chose in its private directory and tells the agent
 * (`link-listening`); the agent connects and shows the key it gave the worker in its `init`
 * message; the worker checks it in constant time, stops listening, and from then on writes
 * frames. The worker listens, rather than connects, so that the agent's end can read into a
 * buffer of its own (see `tick-link-connector.ts`).
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { LINK_HEADER, LINK_KEY_BYTES, writeLinkHeader } from './tick-link-wire';

/** How long a connection to the worker has to show its key. */
const KEY_TIMEOUT_MS = 5000;
const INITIAL_OUT_BYTES = 1024 * 1024;
const DEFAULT_HIGH_WATER_BYTES = 2 * 1024 * 1024;

/** What the worker's link tells its broker connection when the agent falls behind. */
export interface LinkFlowControl {
  pause(): void;
  resume(): void;
}

export interface WorkerTickLinkOptions {
  /** Bytes waiting behind the write in flight past which the broker connection is paused. */
  highWaterBytes?: number;
}

/**
 * A linked worker's sending side. Frames are copied into one of two reusable buffers: while one
 * is being written, the next frames gather in the other and go out together when the write
 * completes. So the broker's read buffer is free again as soon as `send` returns, nothing is
 * allocated per frame, and a busy link writes in large chunks. If the agent falls behind, the
 * broker connection is paused until the write completes.
 */
export class WorkerTickLink {
  private filling = Buffer.allocUnsafe(INITIAL_OUT_BYTES);
  private spare = Buffer.allocUnsafe(INITIAL_OUT_BYTES);
  private filled = 0;
  private writing = false;
  private paused = false;
  private readonly highWater: number;

  private constructor(
    private readonly socket: Socket,
    private readonly flow: LinkFlowControl,
    options: WorkerTickLinkOptions,
  ) {
    this.highWater = options.highWaterBytes ?? DEFAULT_HIGH_WATER_BYTES;
  }

  /**
   * Listens on `path`; `accepted` resolves with the link once the agent has connected with the
   * key. Connections with another key (or none within 5 s) are dropped and listening goes on.
   */
  static async listen(path: string, key: string, flow: LinkFlowControl, options: WorkerTickLinkOptions = {}): Promise<{ accepted: Promise<WorkerTickLink> }> {
    const expected = Buffer.from(key, 'hex');
    let accept: (link: WorkerTickLink) => void = () => undefined;
    const accepted = new Promise<WorkerTickLink>((resolve) => (accept = resolve));
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
        accept(new WorkerTickLink(socket, flow, options));
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
    writeLinkHeader(this.filling, at, bytes.byteLength, receivedAt);
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
