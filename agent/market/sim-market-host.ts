/**
 * Runs the simulated market in its own process (like a broker, outside the agent), and starts
 * it again on the same port if it dies: ticker workers simply reconnect, as they would to Kite.
 */
import type { Logger } from 'pino';
import { SIM_MARKET_ENTRY } from '../hosted-entries';
import { AGENT_NODE_FLAGS } from '../process/node-flags';
import { RestartBackoff } from '../process/restart-backoff';
import { stopHosted } from '../process/stop-hosted';
import type { HostedProcess, ProcessHost } from '../process/process-host';
import { simExchangeReplySchema, type SimExchangeRequest } from './sim/sim-exchange-protocol';

export interface SimMarketOptions {
  generated: number;
  seed: number;
  ticksPerSecond: number;
  apiKey: string;
  accessToken: string;
  limits: { instrumentsPerConnection: number; connectionsPerKey: number };
  /** Where the generated history ends and live prices begin (epoch ms, minute-aligned). */
  historyFrom?: number;
}

export interface SimMarket {
  readonly url: string;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

function startOnce(host: ProcessHost, options: SimMarketOptions, port: number): Promise<{ proc: HostedProcess; url: string; port: number }> {
  const proc = host.spawn(SIM_MARKET_ENTRY, { name: 'sim-market', nodeFlags: AGENT_NODE_FLAGS });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error('the simulated market did not start within 15 s'));
    }, 15_000);
    proc.onMessage((message) => {
      const parsed = simExchangeReplySchema.safeParse(message);
      if (!parsed.success) return;
      const m = parsed.data;
      clearTimeout(timer);
      if (m.type === 'started') resolve({ proc, url: m.url, port: m.port });
      else {
        proc.kill('SIGKILL');
        reject(new Error(`the simulated market failed to start: ${m.message}`));
      }
    });
    proc.onExit((code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the simulated market exited while starting (code ${code}, signal ${signal})`));
    });
    proc.send({ type: 'start', options: { ...options, port } } satisfies SimExchangeRequest);
  });
}

export async function startSimMarket(host: ProcessHost, options: SimMarketOptions, log: Logger): Promise<SimMarket> {
  let current = await startOnce(host, options, 0);
  let stopping = false;
  /** A restart under way, which stop() must wait for so that nothing outlives the agent. */
  let restarting: Promise<void> | undefined;
  // A death now and then is restarted at once; a market that keeps dying, or cannot start, backs off.
  const backoff = new RestartBackoff({ immediate: 1, firstDelayMs: 250, maxDelayMs: 5000 });
  const restartAfter = (delay: number): Promise<void> =>
    new Promise<void>((resolve) => setTimeout(resolve, delay)).then(() => (stopping ? undefined : restart()));
  const restart = (): Promise<void> =>
    startOnce(host, options, current.port).then(
      async (next) => {
        if (stopping) return stopHosted(next.proc, 3000);
        current = next;
        watch(next.proc);
      },
      (error: Error) => {
        const delay = backoff.died();
        log.error({ err: error, attempt: backoff.recentDeaths, delay }, 'could not restart the simulated market');
        if (stopping) return;
        return restartAfter(delay);
      },
    );
  const watch = (proc: HostedProcess) =>
    proc.onExit((code, signal) => {
      if (stopping) return;
      const delay = backoff.died();
      log.warn({ code, signal, delay }, 'the simulated market died; starting it again');
      restarting = restartAfter(delay).finally(() => {
        restarting = undefined;
      });
    });
  watch(current.proc);
  return {
    get url() {
      return current.url;
    },
    get pid() {
      return current.proc.pid;
    },
    async stop() {
      stopping = true;
      await restarting;
      await stopHosted(current.proc, 3000);
    },
  };
}
