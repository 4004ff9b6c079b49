/** Times as the exchange keeps them (IST, whatever this machine's zone), ages and durations. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EXCHANGE_TIME_ZONE, formatAge, formatClock, formatDateTime, formatDuration, formatTableTime, istDayOf } from '../../../renderer/src/format/time';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** [input, clock, date and time]: instants whose IST wall clock is known. */
const instants: Array<[string | number | Date, string, string]> = [
  [Date.UTC(2024, 0, 1, 8, 35, 9), '14:05:09 IST', '01 Jan, 14:05 IST'],
  ['2024-12-02T00:30:00Z', '06:00:00 IST', '02 Dec, 06:00 IST'],
  // Midnight IST is 00, never 24, and the date moves on with it.
  ['2024-12-31T18:30:00.000Z', '00:00:00 IST', '01 Jan, 00:00 IST'],
  ['2024-12-31T18:29:59.999Z', '23:59:59 IST', '31 Dec, 23:59 IST'],
  // A US daylight-saving change is nothing to IST.
  [new Date('2024-03-10T07:00:00Z'), '12:30:00 IST', '10 Mar, 12:30 IST'],
  ['2024-02-29T03:45:00+00:00', '09:15:00 IST', '29 Feb, 09:15 IST'],
  ['2024-06-14T15:30:00+05:30', '15:30:00 IST', '14 Jun, 15:30 IST'],
  [0, '05:30:00 IST', '01 Jan, 05:30 IST'],
];

test('clock and date are IST and say so', () => {
  assert.equal(EXCHANGE_TIME_ZONE, 'Asia/Kolkata');
  for (const [input, clock, dateTime] of instants) {
    assert.equal(formatClock(input), clock, `formatClock(${String(input)})`);
    assert.equal(formatDateTime(input), dateTime, `formatDateTime(${String(input)})`);
  }
});

test('the clock agrees with the time-zone database over the years a trader meets', () => {
  const zoned = new Intl.DateTimeFormat('en-GB', { timeZone: EXCHANGE_TIME_ZONE, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  // Every 7 h 13 min 17 s from 1990 to 2040: every hour of the day, every day of the month.
  for (let at = Date.UTC(1990, 0, 1); at < Date.UTC(2040, 0, 1); at += 25_997_000) {
    const part = Object.fromEntries(zoned.formatToParts(at).map((p) => [p.type, p.value]));
    assert.equal(formatClock(at), `${part.hour}:${part.minute}:${part.second} IST`, new Date(at).toISOString());
    assert.equal(formatDateTime(at), `${part.day} ${months[Number(part.month) - 1]}, ${part.hour}:${part.minute} IST`, new Date(at).toISOString());
  }
});

test('a table time: the clock on the same IST day, the date with it on another', () => {
  // 10:00 IST on 2 Dec.
  const now = Date.parse('2024-12-02T04:30:00Z');
  const cases: Array<[string, string]> = [
    ['2024-12-02T03:45:09Z', '09:15:09'],
    // 00:10 IST on 2 Dec is the same IST day, though 1 Dec in UTC.
    ['2024-12-01T18:40:00Z', '00:10:00'],
    // 23:50 IST on 1 Dec: the day before, in IST.
    ['2024-12-01T18:20:00Z', '01 Dec 23:50'],
    ['2023-12-02T04:30:00Z', '02 Dec 10:00'],
  ];
  for (const [input, expected] of cases) assert.equal(formatTableTime(input, now), expected, input);
  assert.equal(istDayOf('2024-12-01T18:40:00Z'), '2024-12-02', 'IST is past midnight');
  assert.equal(istDayOf('2024-12-01T18:20:00Z'), '2024-12-01');
  assert.equal(istDayOf(null), null);
  assert.equal(formatTableTime(null, now), '—');
  assert.equal(formatTableTime('not a time', now), '—');
});

test('no time, or one that is not a time, is a dash', () => {
  for (const input of [null, undefined, '', 'yesterday', '2024-13-45T99:00:00Z', Number.NaN, Number.POSITIVE_INFINITY, new Date(Number.NaN)]) {
    assert.equal(formatClock(input), '—', `formatClock(${String(input)})`);
    assert.equal(formatDateTime(input), '—', `formatDateTime(${String(input)})`);
  }
});

test('the same instants read the same in any time zone of this machine', () => {
  const module = fileURLToPath(new URL('../../../renderer/src/format/time.ts', import.meta.url));
  const script = `const t = await import(${JSON.stringify(module)}); const inputs = ${JSON.stringify(instants.map(([input]) => (input instanceof Date ? input.toISOString() : input)))};
    console.log(JSON.stringify([Intl.DateTimeFormat().resolvedOptions().timeZone, inputs.map((i) => [t.formatClock(i), t.formatDateTime(i)])]));`;
  for (const zone of ['America/New_York', 'Pacific/Chatham']) {
    const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, TZ: zone }, encoding: 'utf8' });
    const [seenZone, formatted] = JSON.parse(output) as [string, Array<[string, string]>];
    assert.equal(seenZone, zone, 'the child really ran in that zone');
    assert.deepEqual(formatted, instants.map(([, clock, dateTime]) => [clock, dateTime]), `in ${zone}`);
  }
});

test('ages: now under a second, then seconds, minutes, hours up to two days, then days', () => {
  const cases: Array<[number, string]> = [
    [0, 'now'],
    [999, 'now'],
    [-5 * SECOND, 'now'], // a clock a little ahead is not "in the future"
    [SECOND, '1 s ago'],
    [59_999, '59 s ago'],
    [MINUTE, '1 min ago'],
    [HOUR - 1, '59 min ago'],
    [HOUR, '1 h ago'],
    [48 * HOUR - 1, '47 h ago'],
    [48 * HOUR, '2 d ago'],
    [3 * DAY + 23 * HOUR, '3 d ago'],
    [400 * DAY, '400 d ago'],
  ];
  for (const [ms, expected] of cases) assert.equal(formatAge(ms), expected, `formatAge(${ms})`);
  for (const ms of [null, undefined, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) assert.equal(formatAge(ms), '—', `formatAge(${ms})`);
});

test('durations: the two largest units', () => {
  const cases: Array<[number, string]> = [
    [0, '0 s'],
    [0.9, '0 s'],
    [12, '12 s'],
    [59.99, '59 s'],
    [60, '1 min 0 s'],
    [4 * 60 + 10, '4 min 10 s'],
    [3_599, '59 min 59 s'],
    [3_600, '1 h 0 min'],
    [2 * 3_600 + 5 * 60 + 59, '2 h 5 min'],
    [86_399, '23 h 59 min'],
    [86_400, '1 d 0 h'],
    [3 * 86_400 + 4 * 3_600 + 59 * 60, '3 d 4 h'],
    [1_000 * 86_400, '1000 d 0 h'],
  ];
  for (const [seconds, expected] of cases) assert.equal(formatDuration(seconds), expected, `formatDuration(${seconds})`);
  for (const seconds of [null, undefined, -1, -0.5, Number.NaN, Number.POSITIVE_INFINITY]) assert.equal(formatDuration(seconds), '—', `formatDuration(${seconds})`);
});
