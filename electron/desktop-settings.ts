/**
 * The desktop app's own settings, kept in a small private JSON file: today the market this
 * computer's agent runs on. A missing, unreadable or tampered file gives the defaults.
 */
import { readFileSync } from 'node:fs';
import { writePrivateFile } from '../agent/store/private-file';
import type { MarketProvider } from '../shared/desktop';

export interface StoredDesktopSettings {
  provider: MarketProvider;
}

export const DEFAULT_DESKTOP_SETTINGS: StoredDesktopSettings = { provider: 'sim' };

export function readDesktopSettings(file: string): StoredDesktopSettings {
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<Record<keyof StoredDesktopSettings, unknown>>;
    return { provider: raw.provider === 'kite' ? 'kite' : 'sim' };
  } catch {
    return { ...DEFAULT_DESKTOP_SETTINGS };
  }
}

/** Written beside and renamed: a crash leaves the old file or the new one. */
export function writeDesktopSettings(file: string, settings: StoredDesktopSettings): void {
  writePrivateFile(file, `${JSON.stringify(settings, null, 2)}\n`);
}
