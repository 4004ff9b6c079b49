/**
 * A task's schedule as instants: the window (start to stop, on the exchange's days, in its zone)
 * holding a moment, named by the local date it opens on. A stop time before the start time
 * means the window runs past midnight. Exchange holidays are not known here: on a holiday an
 * algo starts and finds no ticks.
 */
import type { TaskSchedule } from '../../shared/task';

export interface ScheduleWindow {
  /** The local date the window opens on (YYYY-MM-DD). */
  date: string;
  startAt: number;
  stopAt: number;
}

const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The local wall time of `epochMs` in `zone`, as if it were UTC (ms). */
function wallClock(epochMs: number, zone: string): number {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(zone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(epochMs).map((part) => [part.type, part.value]));
  return Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
}

/** The instant at which the wall clock of `zone` shows `wall` (a wall time as UTC ms). */
function instantOf(wall: number, zone: string): number {
  // The zone's offset at a guess, then again at the answer: right across a DST change too.
  let guess = wall - (wallClock(wall, zone) - wall);
  guess = wall - (wallClock(guess, zone) - guess);
  return guess;
}

function minutesOf(clock: string): number {
  const [hours, minutes] = clock.split(':').map(Number);
  return hours! * 60 + minutes!;
}

/** The window opening on local `date` (YYYY-MM-DD), whether or not that is a trading day. */
export function windowOn(schedule: TaskSchedule, date: string): ScheduleWindow {
  const midnight = Date.parse(`${date}T00:00:00Z`);
  const start = minutesOf(schedule.start);
  const stop = minutesOf(schedule.stop);
  const stopWall = midnight + stop * 60_000 + (stop <= start ? DAY_MS : 0);
  return { date, startAt: instantOf(midnight + start * 60_000, schedule.timeZone), stopAt: instantOf(stopWall, schedule.timeZone) };
}

function opensOnDay(schedule: TaskSchedule, date: string): boolean {
  if (!schedule.weekdaysOnly) return true;
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return day !== 0 && day !== 6;
}

/** The window holding `now`, or null between windows. */
export function windowAt(schedule: TaskSchedule, now: number): ScheduleWindow | null {
  const today = new Date(wallClock(now, schedule.timeZone)).toISOString().slice(0, 10);
  const yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - DAY_MS).toISOString().slice(0, 10);
  for (const date of [today, yesterday]) {
    if (!opensOnDay(schedule, date)) continue;
    const window = windowOn(schedule, date);
    if (now >= window.startAt && now < window.stopAt) return window;
  }
  return null;
}
