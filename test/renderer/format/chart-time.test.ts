/** Chart times: the exchange's wall clock written as UTC, with the zone's offset at each instant. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chartTime, databaseOffsetSeconds, zoneOffsetSeconds } from '../../../renderer/src/format/chart-time';

const IST = 5.5 * 3_600;

test('IST is +05:30 at any date: no daylight saving, any hour, any second', () => {
  const instants = [
    '1970-01-01T00:00:00Z',
    '1999-12-31T18:29:59.999Z',
    '2000-02-29T12:00:00Z',
    '2024-03-10T07:00:00Z', // US clocks go forward
    '2024-03-31T01:00:00Z', // European clocks go forward
    '2024-10-27T01:00:00Z',
    '2024-11-03T06:00:00Z', // US clocks go back
    '2024-12-31T18:30:00Z', // midnight IST
    '2038-01-19T03:14:08Z',
    '2099-06-15T09:15:00.5Z',
  ];
  for (const at of instants) assert.equal(zoneOffsetSeconds('Asia/Kolkata', new Date(at)), IST, at);
  // Every hour of a year, so no wall-clock hour (00, 23, a half hour) is read wrong.
  const start = Date.UTC(2025, 0, 1);
  for (let hour = 0; hour < 366 * 24; hour += 7) assert.equal(zoneOffsetSeconds('Asia/Kolkata', new Date(start + hour * 3_600_000 + 1_234)), IST);
});

test('a zone with daylight saving: New York is -5 h in winter, -4 h in summer, changing at the exact second', () => {
  const cases: Array<[string, number]> = [
    ['2024-01-15T12:00:00Z', -5 * 3_600],
    ['2024-07-15T12:00:00Z', -4 * 3_600],
    ['2024-01-01T05:00:00Z', -5 * 3_600], // local midnight
    ['2024-03-10T06:59:59Z', -5 * 3_600], // 01:59:59 EST
    ['2024-03-10T07:00:00Z', -4 * 3_600], // 03:00:00 EDT
    ['2024-03-10T07:00:00.999Z', -4 * 3_600],
    ['2024-11-03T05:59:59.999Z', -4 * 3_600], // 01:59:59 EDT
    ['2024-11-03T06:00:00Z', -5 * 3_600], // 01:00:00 EST again
    ['2024-11-03T06:30:00Z', -5 * 3_600],
  ];
  for (const [at, offset] of cases) assert.equal(zoneOffsetSeconds('America/New_York', new Date(at)), offset, at);
  assert.equal(zoneOffsetSeconds('UTC', new Date('2024-07-15T12:00:00Z')), 0);
  assert.equal(zoneOffsetSeconds('Asia/Kathmandu', new Date('2024-07-15T12:00:00Z')), 5 * 3_600 + 45 * 60);
  assert.equal(zoneOffsetSeconds('Pacific/Chatham', new Date('2024-01-15T12:00:00Z')), 13 * 3_600 + 45 * 60);
  assert.equal(zoneOffsetSeconds('America/St_Johns', new Date('2024-01-15T12:00:00Z')), -(3 * 3_600 + 30 * 60));
});

test('an unknown zone is refused, not read as UTC', () => {
  assert.throws(() => zoneOffsetSeconds('Mars/Olympus_Mons', new Date()), RangeError);
});

test('chartTime: a bar at 09:15 IST is drawn at 09:15, whole seconds', () => {
  const open = Date.UTC(2024, 5, 14, 3, 45) / 1000; // 09:15 IST
  assert.equal(chartTime({ time: '2024-06-14T03:45:00.000Z' }, IST), open + IST);
  assert.equal(new Date(chartTime({ time: '2024-06-14T03:45:00.000Z' }, IST) * 1000).toISOString(), '2024-06-14T09:15:00.000Z');
  assert.equal(chartTime({ time: '2024-06-14T09:15:00+05:30' }, IST), open + IST, 'any writing of the same instant');
  assert.equal(chartTime({ time: '2024-06-14T03:45:00.999Z' }, IST), open + IST, 'milliseconds dropped, not rounded up');
  assert.equal(chartTime({ time: '2024-06-14T03:45:00.000Z' }, 0), open);
  assert.equal(chartTime({ time: '2024-01-15T14:30:00.000Z' }, -5 * 3_600), Date.UTC(2024, 0, 15, 9, 30) / 1000, 'New York open, winter');
  assert.equal(chartTime({ time: '1969-12-31T23:59:59.500Z' }, 0), -1, 'before 1970 the floor is still the earlier second');
});

test('the zones known without the time-zone database agree with it, every week from 1990 to 2040', () => {
  for (const zone of ['Asia/Kolkata', 'Asia/Calcutta', 'UTC', 'Etc/UTC']) {
    for (let at = Date.UTC(1990, 0, 1); at < Date.UTC(2040, 0, 1); at += 7 * 86_400_000 + 3_600_000) {
      assert.equal(zoneOffsetSeconds(zone, new Date(at)), databaseOffsetSeconds(zone, new Date(at)), `${zone} at ${new Date(at).toISOString()}`);
    }
  }
});
