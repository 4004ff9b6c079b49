/**
 * The desktop app's own settings as the page shows them: the agents it knows (the embedded one
 * and remote ones), which one the window shows, and starting at login. Everything is asked of
 * the shell; switching agents reloads the window (its Content-Security-Policy names the agents).
 */
import { createStore } from 'zustand/vanilla';
import type { DesktopAgent, DesktopApi, DesktopSettings, MarketProvider, NewRemoteAgent } from '../../../shared/desktop';
import { type ShownError, shownError } from './errors';

export type DesktopBusy = 'load' | 'add' | 'start-at-login' | 'provider' | `remove:${string}` | `select:${string}` | null;

export interface DesktopSlice {
  agents: DesktopAgent[];
  selected: string | null;
  settings: DesktopSettings | null;
  /** The last refusal, with the field it names (`name`, `url`, `token`) for the add form. */
  error: ShownError | null;
  /** The action the error is about. */
  failed: DesktopBusy;
  busy: DesktopBusy;
  load(): Promise<void>;
  /** True when the agent was added (after it answered with the token). */
  add(agent: NewRemoteAgent): Promise<boolean>;
  remove(id: string): Promise<void>;
  /** Shows another agent: the shell stores the choice and the window reloads. */
  select(id: string): Promise<void>;
  setStartAtLogin(on: boolean): Promise<void>;
  /** Restarts this computer's agent on that market, then the window reloads. */
  setProvider(provider: MarketProvider): Promise<void>;
  clearError(): void;
}

export function createDesktopStore(desktop: DesktopApi, reload: () => void) {
  return createStore<DesktopSlice>()((set, get) => {
    /** Runs one shell call, showing its refusal; false when refused. */
    const run = async (busy: Exclude<DesktopBusy, null>, work: () => Promise<void>): Promise<boolean> => {
      set({ busy, error: null, failed: null });
      try {
        await work();
        return true;
      } catch (error) {
        set({ error: shownError(error), failed: busy });
        return false;
      } finally {
        set({ busy: null });
      }
    };
    return {
      agents: [],
      selected: null,
      settings: null,
      error: null,
      failed: null,
      busy: null,
      async load() {
        await run('load', async () => {
          const [{ agents, selected }, settings] = await Promise.all([desktop.listAgents(), desktop.getSettings()]);
          set({ agents, selected, settings });
        });
      },
      add: (agent) =>
        run('add', async () => {
          const { agents, selected } = await desktop.addAgent(agent);
          set({ agents, selected });
        }),
      async remove(id) {
        await run(`remove:${id}`, async () => {
          const before = get().selected;
          const { agents, selected } = await desktop.removeAgent(id);
          set({ agents, selected });
          // The window showed the agent just removed: show the one it falls back to.
          if (before === id) reload();
        });
      },
      async select(id) {
        await run(`select:${id}`, async () => {
          await desktop.selectAgent(id);
          reload();
        });
      },
      async setStartAtLogin(on) {
        await run('start-at-login', async () => set({ settings: await desktop.setStartAtLogin(on) }));
      },
      async setProvider(provider) {
        await run('provider', async () => {
          set({ settings: await desktop.setProvider(provider) });
          reload();
        });
      },
      clearError: () => set({ error: null, failed: null }),
    };
  });
}
export type DesktopStore = ReturnType<typeof createDesktopStore>;
