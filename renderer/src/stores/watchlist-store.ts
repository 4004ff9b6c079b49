/**
 * The market watch's slice: the user's watchlists (kept by the agent, so they follow the user
 * to any browser), which one is open, the selected instrument, and what the instruments master
 * says about each listed instrument (tick size for decimals, name, whether it trades).
 */
import { createStore } from 'zustand/vanilla';
import type { Watchlist } from '../../../shared/contract/api';
import type { Instrument } from '../../../shared/instrument';
import type { AgentConnection } from '../agent/agent-connection';
import { type ShownError, shownError } from './errors';

/** Kite keeps seven numbered watchlists; the keys 1–7 switch between the first seven. */
export const NUMBERED_WATCHLISTS = 7;

export interface WatchlistSlice {
  lists: Watchlist[];
  loaded: boolean;
  activeId: number | null;
  selected: string | null;
  instruments: Record<string, Instrument>;
  error: ShownError | null;
  load(): Promise<void>;
  open(id: number): void;
  /** Opens the n-th list (1-based), if there is one. */
  openNumber(n: number): void;
  select(instrument: string | null): void;
  /** Moves the selection up or down the open list. */
  step(by: number): void;
  create(name: string): Promise<Watchlist>;
  rename(id: number, name: string): Promise<Watchlist>;
  remove(id: number): Promise<void>;
  add(instrument: string): Promise<Watchlist>;
  removeInstrument(instrument: string): Promise<Watchlist>;
}

export function activeList(state: Pick<WatchlistSlice, 'lists' | 'activeId'>): Watchlist | undefined {
  return state.lists.find((list) => list.id === state.activeId) ?? state.lists[0];
}

export function createWatchlistStore(agent: AgentConnection) {
  return createStore<WatchlistSlice>()((set, get) => {
    const learn = async (ids: string[]) => {
      const missing = ids.filter((id) => !get().instruments[id]);
      if (missing.length === 0) return;
      const { instruments } = await agent.api.call('listInstruments', { ids: missing });
      set((state) => ({ instruments: { ...state.instruments, ...Object.fromEntries(instruments.map((instrument) => [instrument.id, instrument])) } }));
    };
    const replace = (list: Watchlist) => {
      set((state) => ({ lists: state.lists.map((old) => (old.id === list.id ? list : old)) }));
      void learn(list.instruments).catch(() => undefined);
      return list;
    };
    const requireActive = () => {
      const list = activeList(get());
      if (!list) throw new Error('Create a watchlist first.');
      return list;
    };
    return {
      lists: [],
      loaded: false,
      activeId: null,
      selected: null,
      instruments: {},
      error: null,
      async load() {
        try {
          const { watchlists } = await agent.api.call('listWatchlists');
          const activeId = watchlists.some((list) => list.id === get().activeId) ? get().activeId : (watchlists[0]?.id ?? null);
          set({ lists: watchlists, loaded: true, activeId, error: null });
          await learn([...new Set(watchlists.flatMap((list) => list.instruments))]);
        } catch (error) {
          set({ error: shownError(error), loaded: true });
        }
      },
      open: (id) => set({ activeId: id }),
      openNumber(n) {
        const list = get().lists[n - 1];
        if (list) set({ activeId: list.id });
      },
      select: (selected) => set({ selected }),
      step(by) {
        const list = activeList(get());
        if (!list || list.instruments.length === 0) return;
        const at = get().selected === null ? -1 : list.instruments.indexOf(get().selected!);
        const next = at < 0 ? (by > 0 ? 0 : list.instruments.length - 1) : Math.min(list.instruments.length - 1, Math.max(0, at + by));
        set({ selected: list.instruments[next]! });
      },
      async create(name) {
        const list = await agent.api.call('createWatchlist', { name, instruments: [] });
        set((state) => ({ lists: [...state.lists, list], activeId: list.id }));
        return list;
      },
      rename: async (id, name) => replace(await agent.api.call('updateWatchlist', { id, name })),
      async remove(id) {
        await agent.api.call('deleteWatchlist', { id });
        set((state) => {
          const lists = state.lists.filter((list) => list.id !== id);
          return { lists, activeId: state.activeId === id ? (lists[0]?.id ?? null) : state.activeId };
        });
      },
      async add(instrument) {
        const list = requireActive();
        if (list.instruments.includes(instrument)) return list;
        return replace(await agent.api.call('updateWatchlist', { id: list.id, instruments: [...list.instruments, instrument] }));
      },
      async removeInstrument(instrument) {
        const list = requireActive();
        const updated = replace(await agent.api.call('updateWatchlist', { id: list.id, instruments: list.instruments.filter((id) => id !== instrument) }));
        if (get().selected === instrument) set({ selected: null });
        return updated;
      },
    };
  });
}
export type WatchlistStore = ReturnType<typeof createWatchlistStore>;

/** The agent's rules for a name, checked as the user types (the agent checks again). */
export function nameProblem(name: string, lists: ReadonlyArray<{ id: number; name: string }>, except: number | null): string | null {
  if (name.length === 0) return 'Give the watchlist a name.';
  if (name.length > 40) return 'At most 40 characters.';
  // eslint-disable-next-line no-control-regex -- control characters are what it refuses
  if (/[\x00-\x1f\x7f]/.test(name)) return 'No control characters (tabs, line breaks).';
  // The agent compares names as SQLite's NOCASE does: A–Z only.
  const folded = asciiLower(name);
  if (lists.some((list) => list.id !== except && asciiLower(list.name) === folded)) return `A watchlist is already called “${name}”.`;
  return null;
}

function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (letter) => letter.toLowerCase());
}
