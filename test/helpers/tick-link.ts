/** Both ends of a tick link, played by tests: the agent's handlers, a worker, raw bytes. */
import { createServer, type Server } from 'node:net';
import { type ExpectedLink, TickLinks } from '../../agent/ticker/tick-link-connector';
import { WorkerTickLink, type WorkerTickLinkOptions } from '../../agent/ticker/tick-link-listener';
import { LINK_HEADER } from '../../agent/ticker/tick-link-wire';

export interface Received {
  frames: Array<{ bytes: number[]; receivedAt: number }>;
  closed: string[];
}

/** Link handlers that record what arrives; `answer` decides whether a frame is refused. */
export function recorder(answer: (bytes: Uint8Array) => string | undefined = () => undefined) {
  const received: Received = { frames: [], closed: [] };
  return {
    received,
    handlers: {
      frame: (bytes: Uint8Array, receivedAt: number) => {
        received.frames.push({ bytes: [...bytes], receivedAt });
        return answer(bytes);
      },
      closed: (reason: string) => received.closed.push(reason),
    },
  };
}

export function openLinks(t: { after: (fn: () => void) => void }): TickLinks {
  const links = TickLinks.open();
  t.after(() => links.close());
  return links;
}

export const noFlow = { pause: () => undefined, resume: () => undefined };

/** Plays the worker: listens where the agent expects it, and hands back the link it accepts. */
export async function worker(link: ExpectedLink, flow = noFlow, options: WorkerTickLinkOptions = {}): Promise<WorkerTickLink> {
  const { accepted } = await WorkerTickLink.listen(link.path, link.key, flow, options);
  link.connect();
  return accepted;
}

/** A raw worker that writes whatever bytes it is given once the agent has connected. */
export async function rawWorker(path: string, bytes: Buffer): Promise<Server> {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.write(bytes);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return server;
}

export function header(length: number, receivedAt: number): Buffer {
  const bytes = Buffer.alloc(LINK_HEADER);
  bytes.writeUInt32BE(length, 0);
  bytes.writeDoubleBE(receivedAt, 4);
  return bytes;
}
