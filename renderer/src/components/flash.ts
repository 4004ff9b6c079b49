/**
 * A cell's background flash when its value moves: a class put on at the change and taken off
 * `durationMs` later, by one timer for all the cells whose flashes end together. Not a CSS
 * animation: Chromium services a running animation on every frame (a style recalculation and a
 * paint of each flashing cell), which with 500 instruments ticking cost about 100 ms of the main
 * thread per second and most of the dropped frames; a class that comes and goes costs two style
 * changes per flash.
 */
export interface ClassTarget {
  classList: { add(name: string): void; remove(...names: string[]): void };
}

export interface FlashClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
}

export const FLASH_CLASSES = { up: 'flash-up', down: 'flash-down' } as const;

const browserClock: FlashClock = { now: () => performance.now(), setTimeout: (callback, ms) => setTimeout(callback, ms) };

export class Flasher {
  /** Each flashing target and when its flash ends; in the order they end (one duration for all). */
  private readonly ends = new Map<ClassTarget, number>();
  private scheduled = false;

  /**
   * @param durationMs how long a flash shows
   * @param gatherMs how late a flash may end so that it ends with others (one timer, one style pass)
   */
  constructor(
    private readonly clock: FlashClock = browserClock,
    readonly durationMs = 600,
    readonly gatherMs = 50,
  ) {}

  /** Flashes the target up or down; a flash already showing starts again in the new direction. */
  flash(target: ClassTarget, up: boolean): void {
    target.classList.remove(FLASH_CLASSES.up, FLASH_CLASSES.down);
    target.classList.add(up ? FLASH_CLASSES.up : FLASH_CLASSES.down);
    this.ends.delete(target);
    this.ends.set(target, this.clock.now() + this.durationMs);
    if (!this.scheduled) this.schedule(this.durationMs);
  }

  /** How many flashes are showing. */
  get showing(): number {
    return this.ends.size;
  }

  private schedule(ms: number): void {
    this.scheduled = true;
    this.clock.setTimeout(this.sweep, ms + this.gatherMs);
  }

  private readonly sweep = (): void => {
    this.scheduled = false;
    const now = this.clock.now();
    for (const [target, end] of this.ends) {
      if (end > now) {
        this.schedule(end - now);
        return;
      }
      target.classList.remove(FLASH_CLASSES.up, FLASH_CLASSES.down);
      this.ends.delete(target);
    }
  };
}

/** The dashboard's one flasher. */
export const flasher = new Flasher();
