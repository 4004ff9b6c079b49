/**
 * The market-data source the ticker's workers connect to: the simulated market in its own
 * process by default, or a Kite-protocol feed given by a test or benchmark.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { startSimMarket, type SimMarket } from '../market/sim-market-host';
import type { ProcessHost } from '../process/process-host';
import type { ProviderLimits } from '../ticker/provider';
import type { Service } from './service';

export interface Feed {
  url: string;
  apiKey: string;
  /** Absent before a broker login: the workers wait for one. */
  accessToken?: string;
}

export interface MarketServiceOptions {
  processHost: ProcessHost;
  log: Logger;
  limits: ProviderLimits;
  sim: { generated: number; seed: number; ticksPerSecond: number };
  /** A feed to use instead of starting the simulated market (its instruments must be the simulated universe's). */
  feed?: Feed;
}

export interface MarketSource {
  feed: Feed;
  /** Where the simulated history ends and live prices begin (epoch ms): the minute the market started. */
  historyFrom: number;
  /** Undefined when a feed was given. */
  simMarket: SimMarket | undefined;
}

export function marketService(options: MarketServiceOptions): Service<MarketSource> {
  let simMarket: SimMarket | undefined;
  return {
    name: 'market',
    async start() {
      // The live market continues from the history's last close; a restart keeps the same start.
      const historyFrom = Math.floor(Date.now() / 60_000) * 60_000;
      if (options.feed) return { feed: options.feed, historyFrom, simMarket: undefined };
      const accessToken = randomBytes(16).toString('hex');
      simMarket = await startSimMarket(
        options.processHost,
        { ...options.sim, apiKey: 'sim', accessToken, limits: options.limits, historyFrom },
        options.log,
      );
      const market = simMarket;
      return {
        // The market restarts on the same port if it dies, so the address holds.
        feed: { url: market.url, apiKey: 'sim', accessToken },
        historyFrom,
        simMarket: market,
      };
    },
    async stop() {
      await simMarket?.stop();
    },
  };
}
