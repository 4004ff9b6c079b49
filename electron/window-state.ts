/**
 * The window's size and position, remembered between runs in a small JSON file, and put back
 * only where a display still shows it (a monitor unplugged since is not a window lost off-screen).
 */
import { readFileSync } from 'node:fs';
import { writePrivateFile } from '../agent/store/private-file';

export interface Bounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  bounds: Bounds | null;
  maximized: boolean;
}

export const DEFAULT_SIZE = { width: 1440, height: 900 };
export const MIN_SIZE = { width: 960, height: 600 };
/** How much of the window's title bar must be on a display for it to be found again. */
const VISIBLE_PART = { width: 120, height: 40 };

const isInteger = (value: unknown): value is number => Number.isInteger(value) && Math.abs(value as number) < 100_000;

/** The state in the file, or the default for a missing, unreadable or tampered one. */
export function readWindowState(file: string): WindowState {
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<{ bounds: Partial<Bounds>; maximized: unknown }>;
    const bounds = raw.bounds;
    const valid = bounds && isInteger(bounds.x) && isInteger(bounds.y) && isInteger(bounds.width) && isInteger(bounds.height) && bounds.width > 0 && bounds.height > 0;
    return { bounds: valid ? { x: bounds.x!, y: bounds.y!, width: bounds.width!, height: bounds.height! } : null, maximized: raw.maximized === true };
  } catch {
    return { bounds: null, maximized: false };
  }
}

/** Written beside and renamed: a crash leaves the old file or the new one. */
export function writeWindowState(file: string, state: WindowState): void {
  writePrivateFile(file, JSON.stringify(state));
}

/**
 * Where the window opens: the remembered bounds (at least the minimum size, no larger than the
 * display) if its title bar is on one of the displays' work areas; else the default size,
 * centred on the primary display.
 */
export function placeWindow(state: WindowState, workAreas: readonly Bounds[]): Bounds & { maximized: boolean } {
  const primary = workAreas[0] ?? { x: 0, y: 0, ...DEFAULT_SIZE };
  const fit = (area: Bounds, width: number, height: number) => ({ width: Math.min(Math.max(width, MIN_SIZE.width), area.width), height: Math.min(Math.max(height, MIN_SIZE.height), area.height) });
  const saved = state.bounds;
  if (saved) {
    const home = workAreas.find(
      (area) =>
        saved.x + VISIBLE_PART.width <= area.x + area.width &&
        saved.x + saved.width - VISIBLE_PART.width >= area.x &&
        saved.y >= area.y &&
        saved.y + VISIBLE_PART.height <= area.y + area.height,
    );
    if (home) return { x: saved.x, y: saved.y, ...fit(home, saved.width, saved.height), maximized: state.maximized };
  }
  const size = fit(primary, DEFAULT_SIZE.width, DEFAULT_SIZE.height);
  return { x: primary.x + Math.round((primary.width - size.width) / 2), y: primary.y + Math.round((primary.height - size.height) / 2), ...size, maximized: state.maximized };
}
