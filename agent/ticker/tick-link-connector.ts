/**
 * The agent's end of its workers' tick links (the wire format is in `tick-link-wire.ts`): a
 * private directory (a Unix socket per worker in a 0700 directory, or a named pipe on Windows),
 * and a connection to each worker once it listens. The agent connects, rather than listens,
 * because only a connecting socket can read into a buffer of its own (`onread`): the agent parses
 * frames where they land, with nothing allocated or joined per read.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LINK_KEY_BYTES, LinkFrameReader } from './tick-link-wire';

/** Unix socket paths are short (104 bytes on macOS, 108 on Linux, counting the final NUL). */
const MAX_SOCKET_PATH = 100;
/** Names the agent that made a link directory, so a later agent can tell it was abandoned. */
const OWNER_FILE = 'agent.pid';

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
