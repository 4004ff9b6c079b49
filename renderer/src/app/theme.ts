/** Dark or light: the user's choice, or the OS's preference when the choice is `system`. */
import { useSyncExternalStore } from 'react';
import type { ThemeChoice } from '../stores/settings-store';

const query = () => window.matchMedia('(prefers-color-scheme: dark)');

export function useOsDark(): boolean {
  return useSyncExternalStore(
    (listener) => {
      const media = query();
      media.addEventListener('change', listener);
      return () => media.removeEventListener('change', listener);
    },
    () => query().matches,
  );
}

export function resolveTheme(choice: ThemeChoice, osDark: boolean): 'dark' | 'light' {
  return choice === 'system' ? (osDark ? 'dark' : 'light') : choice;
}
