/**
 * A ticker worker: one process, one broker connection. It forwards the broker's binary frames
 * untouched, stamped with their arrival time; all routing happens in the agent.
 */
import { parentChannel } from '../process/parent-channel';
import { FlowGate } from './flow-gate';
import { KiteWsProvider } from './kite-ws-provider';
import { type FromWorker, type TicksMessage, toWorkerSchema } from './worker-protocol';

/** Stats double as the worker's heartbeat: the agent replaces a worker that falls silent. */
const STATS_INTERVAL_MS = 1000;

const channel = parentChannel();
let provider: KiteWsProvider | undefined;
let statsTimer: NodeJS.Timeout | undefined;
let gate: FlowGate | undefined;
const onDelivered = () => gate?.delivered();
/** Frames handed to the agent and not yet taken, past which the broker socket is paused. */
const MAX_FRAMES_IN_FLIGHT = 64;

/** Structured clone copies a view's whole buffer, so a partial view is copied to its own first. */
const whole = (bytes: Uint8Array) => (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes));

const send = (message: FromWorker | TicksMessage) => channel.send(message);

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
      provider = new KiteWsProvider(message.provider, {
        // The bytes may be a view into the socket's read buffer: post only the view's bytes.
        frame: (bytes, receivedAt) => {
          gate!.sent();
          channel.send({ type: 'ticks', bytes: whole(bytes), receivedAt } satisfies TicksMessage, onDelivered);
        },
        state: (state, detail) => send(detail === undefined ? { type: 'provider', state } : { type: 'provider', state, detail }),
        notice: (level, text) => send({ type: 'notice', level, text }),
      });
      gate = new FlowGate(MAX_FRAMES_IN_FLIGHT, MAX_FRAMES_IN_FLIGHT / 4, provider);
      provider.connect();
      statsTimer = setInterval(() => {
        const { framesReceived, packetsReceived, badFrames, reconnects } = provider!.stats();
        send({ type: 'stats', framesReceived, packetsReceived, badFrames, reconnects, rssBytes: process.memoryUsage.rss() });
      }, STATS_INTERVAL_MS);
      send({ type: 'ready', workerId: message.workerId });
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
    case 'stop':
      clearInterval(statsTimer);
      void (provider?.close() ?? Promise.resolve()).finally(() => process.exit(0));
      return;
  }
});
