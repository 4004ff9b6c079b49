/**
 * The instruments master: every instrument the agent can carry, kept in the agent's SQLite file,
 * looked up by id and token and searched through the API. Its source is the provider's list:
 * the simulated market's universe, written at each start; or Kite's instruments dump,
 * downloaded every morning before the session, after a login when the last one is older, and
 * on demand. A download replaces the list in one transaction; those who follow the list (the
 * ticker) are told, and report the subscribed instruments that are gone.
 */
import type { Logger } from 'pino';
import type { Api, InstrumentsMaster, InstrumentsRefresh } from '../../shared/contract/api';
import { ApiError } from '../../shared/errors';
import type { Instrument } from '../../shared/instrument';
import type { ApiCore } from '../api/api-core';
import type { KiteSession } from '../broker/kite/kite-session';
import { toInstrumentsInSteps } from '../broker/kite/kite-instruments';
import { istDayStart } from '../broker/kite/kite-time';
import { InstrumentRegistry } from '../instruments/instrument-registry';
import { InstrumentStore, type SyncResult } from '../instruments/instrument-store';
import { buildUniverse, listed, type SimInstrument } from '../market/sim/universe';
import type { AgentDb } from '../store/agent-db';
import type { Service } from './service';

export type InstrumentsSource = { kind: 'sim'; generated: number } | { kind: 'kite'; session: KiteSession };

export interface InstrumentsServiceOptions {
  db: AgentDb;
  log: Logger;
  source: InstrumentsSource;
  api: ApiCore<Api>;
  /** The daily download's time, minutes after midnight IST (default 08:30: Kite's list is out by then). */
  dailyAtMinute?: number;
  now?: () => number;
}

export interface Instruments {
  registry: InstrumentRegistry;
  store: InstrumentStore;
  /** The simulated market's instruments with their parameters, for its history (empty with a broker). */
  simUniverse: readonly SimInstrument[];
  master(): InstrumentsMaster;
  /** Downloads the provider's list now; one download at a time. Throws ApiError. */
  refresh(): Promise<InstrumentsRefresh>;
  /** Told after each new list; answers the subscribed ids that are no longer listed. */
  onChange(listener: () => string[]): void;
}

const DAY_MS = 86_400_000;
/** Between steps of a large download's work: ticks waiting in the event loop go first. */
const yieldToTicks = () => new Promise<void>((resolve) => setImmediate(resolve));
const SETTINGS = { refreshedAt: 'instruments.refreshedAt', expired: 'instruments.expired' } as const;

/** The first daily download time after `now` (epoch ms). */
export function nextDailyRefresh(now: number, atMinute: number): number {
  const today = istDayStart(now) + atMinute * 60_000;
  return today > now ? today : today + DAY_MS;
}

export function instrumentsService(options: InstrumentsServiceOptions): Service<Instruments> {
  const { db, log, source } = options;
  const now = options.now ?? Date.now;
  const atMinute = options.dailyAtMinute ?? 8 * 60 + 30;
  const listeners: Array<() => string[]> = [];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<InstrumentsRefresh> | undefined;
  let lastError: string | null = null;

  return {
    name: 'instruments',
    start() {
      const store = new InstrumentStore(db.db);
      const simUniverse = source.kind === 'sim' ? buildUniverse({ generated: source.generated }) : [];
      // The simulated market lists its universe at every start; a broker's last download stands until the next.
      const registry = new InstrumentRegistry(source.kind === 'sim' ? [] : store.listed());

      /** Writes a new list; tells the followers; answers what changed. */
      function apply(instruments: readonly Instrument[], dropped: number, changes: SyncResult): InstrumentsRefresh {
        if (changes.added + changes.changed + changes.unlisted > 0) log.info(changes, 'instruments master updated');
        registry.replace(instruments);
        const expired = [...new Set(listeners.flatMap((listener) => listener()))];
        const previous = JSON.parse(db.setting(SETTINGS.expired) ?? '[]') as string[];
        const reported = [...new Set([...previous, ...expired])].slice(-500);
        db.saveSettings({ [SETTINGS.refreshedAt]: String(now()), [SETTINGS.expired]: JSON.stringify(reported) });
        if (expired.length > 0) log.warn({ expired }, `${expired.length} subscribed instruments are no longer listed (expired contracts); they were removed from the ticker`);
        return { count: instruments.length, ...changes, expired, dropped };
      }

      function syncSim(): InstrumentsRefresh {
        const universe = simUniverse.map(listed);
        return apply(universe, 0, store.sync(universe));
      }

      async function download(session: KiteSession): Promise<InstrumentsRefresh> {
        const kite = session.api;
        if (!kite || session.usableToken === null) {
          throw new ApiError('broker_login_required', "Log in to Kite to download its instruments list.");
        }
        const rows = await kite.call('other', "Kite's instruments list", (client) => client.getInstruments());
        if (!Array.isArray(rows)) throw new ApiError('provider_unavailable', "Kite's instruments list was not a CSV list (wrong content type?).");
        const { instruments, dropped, reasons } = await toInstrumentsInSteps(rows, yieldToTicks);
        if (dropped > 0) log.warn({ dropped, examples: reasons }, `${dropped} rows of Kite's instruments list could not be read and were dropped`);
        // A broken download must not unlist every instrument a user follows.
        if (instruments.length === 0) throw new ApiError('provider_unavailable', "Kite's instruments list was empty; the master is unchanged.");
        return apply(instruments, dropped, await store.syncInSteps(instruments, yieldToTicks));
      }

      function refresh(): Promise<InstrumentsRefresh> {
        running ??= (async () => {
          try {
            const result = source.kind === 'sim' ? syncSim() : await download(source.session);
            lastError = null;
            return result;
          } catch (error) {
            lastError = (error as Error).message;
            throw error;
          } finally {
            running = undefined;
          }
        })();
        return running;
      }

      const refreshedAt = () => Number(db.setting(SETTINGS.refreshedAt) ?? 0);
      /** Whether the list is older than this morning's download time. */
      const due = () => refreshedAt() < nextDailyRefresh(now(), atMinute) - DAY_MS;
      const quietly = (why: string) =>
        void refresh().then(
          (result) => log.info({ why, count: result.count }, "Kite's instruments list downloaded"),
          (error: Error) => log.warn({ why, reason: error.message }, "Kite's instruments list could not be downloaded"),
        );

      if (source.kind === 'sim') syncSim();
      if (source.kind === 'kite') {
        const schedule = () => {
          timer = setTimeout(() => {
            if (source.session.usableToken !== null) quietly('daily');
            schedule();
          }, nextDailyRefresh(now(), atMinute) - now());
          timer.unref();
        };
        schedule();
        source.session.onToken((token) => {
          if (token !== null && due()) quietly('login');
        });
        if (source.session.usableToken !== null && due()) quietly('start');
      }

      options.api.provide({
        listInstruments: ({ search, ids, limit }) => ({
          instruments: ids === undefined ? registry.search(search, limit) : ids.flatMap((id) => registry.get(id) ?? []),
        }),
        refreshInstruments: () => refresh(),
      });
      return {
        registry,
        store,
        simUniverse,
        refresh,
        onChange: (listener) => listeners.push(listener),
        master: () => ({
          count: registry.size,
          refreshedAt: refreshedAt() > 0 ? new Date(refreshedAt()).toISOString() : null,
          nextRefreshAt: source.kind === 'kite' ? new Date(nextDailyRefresh(now(), atMinute)).toISOString() : null,
          expired: JSON.parse(db.setting(SETTINGS.expired) ?? '[]') as string[],
          lastError,
        }),
      };
    },
    stop() {
      clearTimeout(timer);
    },
  };
}
