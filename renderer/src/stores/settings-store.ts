/**
 * This browser's preferences: theme (following the OS by default), the up/down palette (a
 * colour-blind-safe one on offer), and the watchlist column's width. Kept in local storage:
 * nothing here is secret.
 */
import { createStore } from 'zustand/vanilla';
import { createJSONStorage, persist, type StateStorage } from 'zustand/middleware';

export type ThemeChoice = 'system' | 'dark' | 'light';
export type Palette = 'green-red' | 'blue-orange';

export interface SettingsSlice {
  theme: ThemeChoice;
  palette: Palette;
  watchWidth: number;
  setTheme(theme: ThemeChoice): void;
  setPalette(palette: Palette): void;
  setWatchWidth(width: number): void;
}

export const WATCH_WIDTH = { min: 300, max: 900, initial: 560 };

const clampWidth = (width: number) => Math.round(Math.min(WATCH_WIDTH.max, Math.max(WATCH_WIDTH.min, width)));

/** Storage that may refuse (disabled, full) is used as far as it works: a preference is never worth an error. */
function forgiving(storage: StateStorage): StateStorage {
  const attempt = <T,>(run: () => T, fallback: T): T => {
    try {
      return run();
    } catch {
      return fallback;
    }
  };
  return {
    getItem: (key) => attempt(() => storage.getItem(key), null),
    setItem: (key, value) => attempt(() => storage.setItem(key, value), undefined),
    removeItem: (key) => attempt(() => storage.removeItem(key), undefined),
  };
}

const memory = (): StateStorage => {
  const values = new Map<string, string>();
  return { getItem: (key) => values.get(key) ?? null, setItem: (key, value) => void values.set(key, value), removeItem: (key) => void values.delete(key) };
};

export function createSettingsStore(storage: StateStorage = typeof localStorage === 'undefined' ? memory() : localStorage) {
  return createStore<SettingsSlice>()(
    persist(
      (set) => ({
        theme: 'system',
        palette: 'green-red',
        watchWidth: WATCH_WIDTH.initial,
        setTheme: (theme) => set({ theme }),
        setPalette: (palette) => set({ palette }),
        setWatchWidth: (width) => {
          if (!Number.isNaN(width)) set({ watchWidth: clampWidth(width) });
        },
      }),
      {
        name: 'algodeck.settings',
        storage: createJSONStorage(() => forgiving(storage)),
        partialize: ({ theme, palette, watchWidth }) => ({ theme, palette, watchWidth }),
        // A hand-edited or older entry cannot put the page in a state it has no screen for.
        merge: (saved, current) => {
          const value = (saved ?? {}) as Partial<SettingsSlice>;
          return {
            ...current,
            ...(value.theme === 'dark' || value.theme === 'light' || value.theme === 'system' ? { theme: value.theme } : {}),
            ...(value.palette === 'green-red' || value.palette === 'blue-orange' ? { palette: value.palette } : {}),
            ...(typeof value.watchWidth === 'number' && Number.isFinite(value.watchWidth)
              ? { watchWidth: clampWidth(value.watchWidth) }
              : {}),
          };
        },
      },
    ),
  );
}
export type SettingsStore = ReturnType<typeof createSettingsStore>;
