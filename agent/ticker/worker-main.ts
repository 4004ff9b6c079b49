/**
 * A ticker worker: one process, one broker connection. It forwards the broker's binary frames
 * untouched over its tick link, stamped with their arrival time; all routing happens in the agent.
 * Order updates the broker sends on the connection go to the agent as messages.
 */
import { parentChannel } from '../process/parent-channel';
import { KiteWsProvider } from './kite-ws-provider';
import { WorkerTickLink } from './tick-link-listener';
import { type FromWorker, toWorkerSchema } from './worker-protocol';

/** Stats double as the worker's heartbeat: the agent replaces a worker that falls silent. */
const STATS_INTERVAL_MS = 1000;

const channel = parentChannel();
let provider: KiteWsProvider | undefined;
let statsTimer: NodeJS.Timeout | undefined;
let link: WorkerTickLink | undefined;
let stopping = false;

const send = (message: FromWorker) => channel.send(message);

/** A worker without its link is useless: it exits, and the agent starts a fresh one. */
function fail(text: string): void {
  stopping = true;
  channel.send({ type: 'notice', level: 'error', text } satisfies FromWorker, () => process.exit(1));
  setTimeout(() => process.exit(1), 1000).unref(); // if the notice cannot be sent
}

channel.onMessage((raw) => {
  const parsed = toWorkerSchema.safeParse(raw);
  if (!parsed.success) {
    send({ type: 'notice', level: 'error', text: `worker ignored a malformed command: ${parsed.error.message}` });
    return;
  }
  const message = parsed.data;
  switch (message.type) {
    case 'init': {
      if (provider) return;
      // Created at once so subscriptions sent right after `init` are kept; it connects below.
      const p = new KiteWsProvider(message.provider, {
        // The bytes are a view into the provider's read buffer; the link copies them.
        frame: (bytes, receivedAt) => link!.send(bytes, receivedAt),
        state: (state, detail) => send(detail === undefined ? { type: 'provider', state } : { type: 'provider', state, detail }),
        notice: (level, text) => send({ type: 'notice', level, text }),
        order: (order) => send({ type: 'order', order }),
      });
      provider = p;
      // An agent that falls behind pauses the broker connection: TCP then holds the ticks back.
      WorkerTickLink.listen(message.link.path, message.link.key, p)
        .then(({ accepted }) => {
          send({ type: 'link-listening' });
          return accepted;
        })
        .then(
          (accepted) => {
            link = accepted;
            link.onClose((error) => {
              if (!stopping) fail(`tick link to the agent closed${error ? `: ${error.message}` : ''}`);
            });
            p.connect();
            statsTimer = setInterval(() => {
              const { framesReceived, packetsReceived, badFrames, reconnects } = p.stats();
              send({ type: 'stats', framesReceived, packetsReceived, badFrames, reconnects, rssBytes: process.memoryUsage.rss() });
            }, STATS_INTERVAL_MS);
            send({ type: 'ready', workerId: message.workerId });
          },
          (error: Error) => fail(`cannot open the tick link to the agent: ${error.message}`),
        );
      return;
    }
    case 'subscribe':
      provider?.subscribe(message.tokens, message.mode);
      return;
    case 'unsubscribe':
      provider?.unsubscribe(message.tokens);
      return;
    case 'mode':
      provider?.setMode(message.tokens, message.mode);
      return;
    case 'credentials':
      provider?.setCredentials(message.apiKey, message.accessToken);
      return;
    case 'stop':
      stopping = true;
      clearInterval(statsTimer);
      void (provider?.close() ?? Promise.resolve()).finally(() => process.exit(0));
      return;
  }
});
