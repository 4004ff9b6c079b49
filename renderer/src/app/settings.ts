/** This browser's settings store, shared by the whole page (also before sign-in: the theme). */
import { useStore } from 'zustand';
import { createSettingsStore, type SettingsSlice } from '../stores/settings-store';

export const settings = createSettingsStore();

export function useSettings<T>(select: (slice: SettingsSlice) => T): T {
  return useStore(settings, select);
}
