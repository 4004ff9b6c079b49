/**
 * Entry module: runs the simulated exchange in its own process under the agent's ProcessHost,
 * so the market's CPU never competes with the agent's event loop. Protocol:
 * sim-exchange-protocol.ts (import that, not this file, from the agent).
 */
import { parentChannel } from '../../process/parent-channel';
import type { ParentChannel } from '../../process/process-host';
import { simExchangeRequestSchema, type SimExchangeReply } from './sim-exchange-protocol';
import { startSimTickerServer, type SimTickerServer } from './sim-ticker-server';
import { buildUniverse } from './universe';

function reply(channel: ParentChannel, message: SimExchangeReply): void {
  channel.send(message);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function runSimExchange(channel: ParentChannel, exit: (code: number) => void): void {
  let server: SimTickerServer | undefined;
  let starting = false;

  channel.onMessage((raw) => {
    const parsed = simExchangeRequestSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? ` (${issue.path.join('.')})` : '';
      reply(channel, { type: 'error', message: `bad message${where}: ${issue?.message ?? 'unexpected shape'}` });
      return;
    }
    const message = parsed.data;
    if (message.type === 'stop') {
      const closing = server?.close() ?? Promise.resolve();
      void closing.finally(() => exit(0));
      return;
    }
    if (server || starting) {
      reply(channel, { type: 'error', message: 'the simulated exchange is already started' });
      return;
    }
    starting = true;
    const { generated, ...options } = message.options;
    startSimTickerServer({ ...options, universe: buildUniverse({ generated }) })
      .then((started) => {
        server = started;
        reply(channel, { type: 'started', url: started.url, port: started.port });
      })
      // A failed start (say, a port in use) leaves the process waiting for another start.
      .catch((error: unknown) => reply(channel, { type: 'error', message: `could not start: ${describe(error)}` }))
      .finally(() => {
        starting = false;
      });
  });
}

runSimExchange(parentChannel(), (code) => process.exit(code));
