import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { rateLimited } from '../../../agent/log/rate-limited-log';

interface Entry {
  level: number;
  msg: string;
  suppressed?: number;
  [field: string]: unknown;
}

/** A pino logger writing into an array, and a clock the test moves by hand. */
function setup(options: { perKey?: number; everyMs?: number; maxKeys?: number } = {}) {
  const entries: Entry[] = [];
  const log = pino({ level: 'debug', base: null, timestamp: false }, { write: (line: string) => void entries.push(JSON.parse(line) as Entry) });
  const clock = { ms: 1000 };
  const limited = rateLimited(log, { ...options, now: () => clock.ms });
  return { entries, clock, limited };
}

const WARN = 40;

test('logs the first entry of a key, holds back the rest of its window, then one entry carrying the count', () => {
  const { entries, clock, limited } = setup({ perKey: 1, everyMs: 10_000 });
  for (let i = 0; i < 85; i++) {
    limited('warn', 'slow-reader:1', { client: 1, i }, 'closing a stream client that does not read');
    clock.ms += 100; // 85 warnings over 8.5 s: all in the first window
  }
  assert.deepEqual(entries, [{ level: WARN, client: 1, i: 0, msg: 'closing a stream client that does not read' }]);
  clock.ms = 1000 + 10_000; // the window has passed
  limited('warn', 'slow-reader:1', { client: 1, i: 85 }, 'closing a stream client that does not read');
  assert.deepEqual(entries.at(-1), { level: WARN, client: 1, i: 85, suppressed: 84, msg: 'closing a stream client that does not read' });
  // A new window with nothing held back yet: the next entry is held back, and none carries a stale count.
  limited('warn', 'slow-reader:1', { client: 1, i: 86 }, 'closing a stream client that does not read');
  assert.equal(entries.length, 2);
  clock.ms += 10_000;
  limited('warn', 'slow-reader:1', { client: 1, i: 87 }, 'again');
  assert.deepEqual(entries.at(-1), { level: WARN, client: 1, i: 87, suppressed: 1, msg: 'again' });
});

test('an entry after a quiet window carries no suppressed field', () => {
  const { entries, clock, limited } = setup();
  limited('info', 'k', {}, 'one');
  clock.ms += 10_000;
  limited('info', 'k', {}, 'two');
  assert.deepEqual(entries.map((e) => [e.msg, e.suppressed]), [['one', undefined], ['two', undefined]]);
});

test('keys are limited separately, and perKey entries pass per window', () => {
  const { entries, clock, limited } = setup({ perKey: 3, everyMs: 1000 });
  for (let i = 0; i < 10; i++) {
    limited('warn', 'a', { i }, 'a');
    limited('error', 'b', { i }, 'b');
  }
  assert.deepEqual(entries.map((e) => `${e.msg}${e.i}`), ['a0', 'b0', 'a1', 'b1', 'a2', 'b2']);
  assert.deepEqual([...new Set(entries.filter((e) => e.msg === 'b').map((e) => e.level))], [50]);
  clock.ms += 999;
  limited('warn', 'a', { i: 10 }, 'a');
  assert.equal(entries.length, 6, 'still within the window');
  clock.ms += 1;
  limited('warn', 'a', { i: 11 }, 'a');
  assert.deepEqual(entries.at(-1), { level: WARN, i: 11, suppressed: 8, msg: 'a' });
});

test('flush summarises every key that held entries back, with its last entry, and forgets them', () => {
  const { entries, limited } = setup();
  limited('warn', 'a', { n: 1 }, 'a');
  limited('warn', 'a', { n: 2 }, 'a');
  limited('debug', 'a', { n: 3 }, 'a, quieter');
  limited('warn', 'b', { n: 1 }, 'b'); // nothing held back: no summary
  limited.flush();
  assert.deepEqual(entries.slice(2), [{ level: 20, n: 3, suppressed: 2, msg: 'a, quieter' }]);
  limited.flush();
  assert.equal(entries.length, 3, 'a second flush has nothing to say');
  limited('warn', 'a', { n: 4 }, 'a'); // forgotten: logged again at once
  assert.deepEqual(entries.at(-1), { level: WARN, n: 4, msg: 'a' });
});

test('keys are bounded: past maxKeys the oldest is summarised and forgotten', () => {
  const { entries, clock, limited } = setup({ maxKeys: 2 });
  limited('warn', 'a', {}, 'a');
  limited('warn', 'a', {}, 'a');
  clock.ms += 1;
  limited('warn', 'b', {}, 'b');
  limited('warn', 'c', {}, 'c'); // evicts a, which held one back
  assert.deepEqual(entries.map((e) => [e.msg, e.suppressed]), [['a', undefined], ['b', undefined], ['a', 1], ['c', undefined]]);
  limited('warn', 'b', {}, 'b');
  assert.equal(entries.length, 4, 'b is still remembered');
});

test('refuses a limit that would log nothing or everything', () => {
  const log = pino({ level: 'silent' });
  assert.throws(() => rateLimited(log, { perKey: 0 }), RangeError);
  assert.throws(() => rateLimited(log, { everyMs: 0 }), RangeError);
  assert.throws(() => rateLimited(log, { maxKeys: 0 }), RangeError);
});
