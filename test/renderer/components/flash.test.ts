/** Cell flashes: a class on at a change, off after the duration, with flashes ending together swept together. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ClassTarget, type FlashClock, Flasher } from '../../../renderer/src/components/flash';

/** An element's class list, as the flasher sees it. */
class Cell implements ClassTarget {
  readonly classes = new Set<string>();
  changes = 0;
  readonly classList = {
    add: (name: string) => {
      if (!this.classes.has(name)) this.changes++;
      this.classes.add(name);
    },
    remove: (...names: string[]) => {
      for (const name of names) if (this.classes.delete(name)) this.changes++;
    },
  };
  get shown(): string {
    return [...this.classes].sort().join(' ');
  }
}

/** A clock the test moves: timers run in order of their due time. */
class ManualClock implements FlashClock {
  time = 0;
  private timers: Array<{ at: number; callback: () => void }> = [];
  now = () => this.time;
  setTimeout = (callback: () => void, ms: number) => {
    this.timers.push({ at: this.time + ms, callback });
  };
  get pending() {
    return this.timers.length;
  }
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > until) break;
      this.timers.shift();
      this.time = next.at;
      next.callback();
    }
    this.time = until;
  }
}

test('a flash shows the direction, and goes after its duration (no later than the gathering allows)', () => {
  const clock = new ManualClock();
  const flasher = new Flasher(clock, 600, 50);
  const up = new Cell();
  const down = new Cell();
  flasher.flash(up, true);
  flasher.flash(down, false);
  assert.equal(up.shown, 'flash-up');
  assert.equal(down.shown, 'flash-down');
  clock.advance(599);
  assert.equal(up.shown, 'flash-up', 'still showing before its duration');
  clock.advance(51);
  assert.equal(up.shown, '');
  assert.equal(down.shown, '');
  assert.equal(flasher.showing, 0);
  assert.equal(clock.pending, 0, 'no timer left behind once nothing flashes');
});

test('a cell that moves again while flashing flashes anew in the new direction, for a whole duration', () => {
  const clock = new ManualClock();
  const flasher = new Flasher(clock, 600, 50);
  const cell = new Cell();
  flasher.flash(cell, true);
  clock.advance(400);
  flasher.flash(cell, false);
  assert.equal(cell.shown, 'flash-down', 'one direction at a time');
  clock.advance(300);
  assert.equal(cell.shown, 'flash-down', 'the second flash is not cut short by the first one ending');
  clock.advance(400);
  assert.equal(cell.shown, '');
});

test('flashes that end close together go in one sweep: one timer for a frame of changes, not one per cell', () => {
  const clock = new ManualClock();
  const flasher = new Flasher(clock, 600, 50);
  const cells = Array.from({ length: 200 }, () => new Cell());
  // A frame of ticks flashes many cells at once; a few more arrive a little later.
  for (const cell of cells.slice(0, 150)) flasher.flash(cell, true);
  assert.equal(clock.pending, 1);
  clock.advance(20);
  for (const cell of cells.slice(150)) flasher.flash(cell, false);
  assert.equal(clock.pending, 1, 'later flashes join the timer already set');
  clock.advance(630);
  assert.ok(cells.every((cell) => cell.shown === ''), 'all 200 gone within the gathering window');
  assert.ok(cells.every((cell) => cell.changes === 2), 'each cell changed twice: on and off');
});

test('a flash that outlives a sweep is kept and swept later', () => {
  const clock = new ManualClock();
  const flasher = new Flasher(clock, 600, 50);
  const early = new Cell();
  const late = new Cell();
  flasher.flash(early, true);
  clock.advance(300);
  flasher.flash(late, true);
  clock.advance(350);
  assert.equal(early.shown, '');
  assert.equal(late.shown, 'flash-up', 'the later flash still has 250 ms to show');
  clock.advance(300);
  assert.equal(late.shown, '');
  assert.equal(flasher.showing, 0);
});
