import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CandleStore, type MinuteRow } from '../../../agent/candles/candle-store';
import { InstrumentStore } from '../../../agent/instruments/instrument-store';
import { AgentDb } from '../../../agent/store/agent-db';
import { NSE_EQUITY_SESSION } from '../../../shared/market-session';
import type { Instrument } from '../../../shared/instrument';
import { infy } from '../../helpers/instruments';

const INFY = infy();
const TCS: Instrument = { ...INFY, id: 'NSE:TCS', token: 2953217, tradingsymbol: 'TCS', name: 'TATA CONSULTANCY SERV LT' };

function open(dir: string) {
  const db = new AgentDb(join(dir, 'agent.db'));
  const instruments = new InstrumentStore(db.db);
  return { db, instruments, candles: new CandleStore(db.db) };
}

function withDir(run: (dir: string) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'algodeck-candles-'));
  try {
    run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const row = (minute: number, close: number, volume = 10): MinuteRow => [minute, close, close + 1, close - 1, close, volume, null];

test('live minutes never replace history; history replaces live minutes and covers its range', () => {
  withDir((dir) => {
    const { db, instruments, candles } = open(dir);
    instruments.sync([INFY]);
    const key = instruments.keyOf(INFY.id)!;
    candles.insertLive([{ key, row: row(100, 1500) }, { key, row: row(101, 1501) }]);
    candles.insertHistory(key, [101, 103], [row(101, 1600), row(102, 1602)]);
    candles.insertLive([{ key, row: row(102, 1700) }, { key, row: row(103, 1703) }]);
    assert.deepEqual(
      candles.read(key, 0, 1000).rows().map((r) => [r[0], r[4]]),
      [[100, 1500], [101, 1600], [102, 1602], [103, 1703]],
      'history won where both wrote; live filled the rest',
    );
    assert.deepEqual(candles.gaps(key, 95, 110), [[95, 101], [103, 110]]);
    db.close();
  });
});

test('history that does not replace live minutes (the simulated market) only fills what the store lacks', () => {
  withDir((dir) => {
    const { db, instruments, candles } = open(dir);
    instruments.sync([INFY]);
    const key = instruments.keyOf(INFY.id)!;
    candles.insertLive([{ key, row: row(2000, 1500) }, { key, row: row(2002, 1502) }]);
    candles.insertHistory(key, [1998, 2004], [row(1998, 9), row(1999, 9), row(2000, 9), row(2001, 9), row(2002, 9), row(2003, 9)], { replaceLive: false });
    assert.deepEqual(candles.read(key, 0, 5000).rows().map((r) => [r[0], r[4]]), [[1998, 9], [1999, 9], [2000, 1500], [2001, 9], [2002, 1502], [2003, 9]]);
    assert.equal(candles.pack(3000), 1, 'one instrument-day packed');
    assert.deepEqual(candles.read(key, 0, 5000).rows().map((r) => [r[0], r[4]]), [[1998, 9], [1999, 9], [2000, 1500], [2001, 9], [2002, 1502], [2003, 9]], 'the same after packing');
    candles.insertHistory(key, [1990, 2004], [row(1995, 7), row(2000, 7)], { replaceLive: false });
    assert.deepEqual(candles.read(key, 1990, 2001).rows().map((r) => [r[0], r[4]]), [[1995, 7], [1998, 9], [1999, 9], [2000, 1500]], 'packed minutes win too');
    db.close();
  });
});

test('live minutes are packed into day chunks once the day is over; reads are the same before and after', () => {
  withDir((dir) => {
    const { db, instruments, candles } = open(dir);
    instruments.sync([INFY, TCS]);
    const key = instruments.keyOf(INFY.id)!;
    const tcs = instruments.keyOf(TCS.id)!;
    // Day 1 (minutes 1440–2879) and the start of day 2, for two instruments.
    const minutes = [1500, 1501, 2879, 2880, 2881];
    candles.insertLive(minutes.flatMap((m) => [{ key, row: row(m, m) }, { key: tcs, row: row(m, -m) }]));
    const before = candles.read(key, 0, 5000).rows();
    assert.equal(candles.pack(2880 + 10, 1), 1, 'a step packs at most its limit');
    db.close();
    // What is left to pack is known again after a restart.
    const reopened = open(dir);
    assert.equal(reopened.candles.pack(2880 + 10), 1, 'then the other instrument');
    assert.equal(reopened.candles.pack(2880 + 10), 0, "today's minutes stay live");
    assert.equal(reopened.candles.pack(2880 + 1440), 2, 'until their day is over');
    assert.deepEqual(reopened.candles.read(key, 0, 5000).rows(), before);
    assert.deepEqual(reopened.candles.read(tcs, 1501, 2881).rows().map((r) => r[0]), [1501, 2879, 2880]);
    const live = reopened.db.db.prepare('SELECT COUNT(*) FROM live_minutes').pluck().get();
    assert.equal(live, 0, 'every live minute packed');
    reopened.db.close();
  });
});

test('covered ranges merge, and gaps are exactly what was never fetched', () => {
  withDir((dir) => {
    const { db, instruments, candles } = open(dir);
    instruments.sync([INFY, TCS]);
    const key = instruments.keyOf(INFY.id)!;
    candles.insertHistory(key, [10, 20], []);
    candles.insertHistory(key, [30, 40], []);
    assert.deepEqual(candles.gaps(key, 0, 50), [[0, 10], [20, 30], [40, 50]]);
    assert.deepEqual(candles.gaps(key, 12, 18), [], 'inside a covered range');
    candles.insertHistory(key, [20, 30], []);
    assert.deepEqual(candles.gaps(key, 0, 50), [[0, 10], [40, 50]]);
    candles.insertHistory(key, [5, 45], []);
    assert.deepEqual(candles.gaps(key, 0, 50), [[0, 5], [45, 50]]);
    const rows = db.db.prepare('SELECT from_minute, to_minute FROM candle_coverage WHERE instrument = ?').raw(true).all(key);
    assert.deepEqual(rows, [[5, 45]], 'one merged range, not four');
    assert.deepEqual(candles.gaps(instruments.keyOf(TCS.id)!, 0, 50), [[0, 50]], 'instruments are apart');
    db.close();
  });
});

test('history with a row outside its range is refused whole: nothing written, nothing covered', () => {
  withDir((dir) => {
    const { db, instruments, candles } = open(dir);
    instruments.sync([INFY]);
    const key = instruments.keyOf(INFY.id)!;
    assert.throws(() => candles.insertHistory(key, [10, 20], [row(10, 1), row(25, 2)]), /outside the fetched range/);
    assert.deepEqual(candles.read(key, 0, 100).rows(), []);
    assert.deepEqual(candles.gaps(key, 0, 100), [[0, 100]]);
    assert.throws(() => candles.insertHistory(key, [20, 20], []), /empty history range/);
    db.close();
  });
});

test('candles survive a restart, and follow the instrument id when its token changes', () => {
  withDir((dir) => {
    const first = open(dir);
    first.instruments.sync([INFY]);
    const key = first.instruments.keyOf(INFY.id)!;
    first.candles.insertLive([{ key, row: row(500, 1500, 7) }]);
    first.candles.insertHistory(key, [400, 500], [row(450, 1450)]);
    first.db.close();

    const second = open(dir);
    // The broker gave INFY a new token, and its old token to another contract.
    second.instruments.sync([{ ...INFY, token: 999 }, { ...TCS, token: INFY.token }]);
    assert.equal(second.instruments.keyOf(INFY.id), key);
    assert.deepEqual(second.candles.read(key, 0, 1000).rows(), [row(450, 1450), row(500, 1500, 7)]);
    assert.deepEqual(second.candles.gaps(key, 400, 500), []);
    assert.deepEqual(second.candles.read(second.instruments.keyOf(TCS.id)!, 0, 1000).rows(), [], 'the token did not carry candles over');
    second.db.close();
  });
});

test('the instruments master: changed instruments rewritten, unlisted ones kept with their key', () => {
  withDir((dir) => {
    const { db, instruments } = open(dir);
    assert.deepEqual(instruments.sync([INFY, TCS]), { added: 2, changed: 0, unlisted: 0 });
    assert.deepEqual(instruments.sync([INFY, TCS]), { added: 0, changed: 0, unlisted: 0 }, 'the same list writes nothing');
    const tcsKey = instruments.keyOf(TCS.id);
    assert.deepEqual(instruments.sync([{ ...INFY, lotSize: 5 }]), { added: 0, changed: 1, unlisted: 1 });
    assert.deepEqual(instruments.listed().map((i) => [i.id, i.lotSize]), [['NSE:INFY', 5]]);
    assert.equal(instruments.keyOf(TCS.id), tcsKey, 'an unlisted instrument keeps its key (and its candles)');
    assert.deepEqual(instruments.sync([INFY, TCS]), { added: 0, changed: 2, unlisted: 0 });
    assert.deepEqual(instruments.listed().map((i) => i.id), ['NSE:INFY', 'NSE:TCS'], 'listed again, in first-listed order');
    assert.deepEqual(instruments.listed()[0]!.session, NSE_EQUITY_SESSION, 'the session is kept');
    db.close();
  });
});

test('a broker-sized list is synced in steps with pauses between them, to the same end as in one step', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'algodeck-candles-'));
  try {
    const many = Array.from({ length: 12_000 }, (_, i): Instrument => ({ ...INFY, id: `NFO:SYM${i}`, token: (5000 + i) * 256 + 2, tradingsymbol: `SYM${i}` }));
    const stepped = open(dir);
    let pauses = 0;
    const pause = async () => void pauses++;
    assert.deepEqual(await stepped.instruments.syncInSteps(many, pause), { added: 12_000, changed: 0, unlisted: 0 });
    assert.ok(pauses >= 2, `${pauses} pauses for 12,000 rows`);
    const next = many.slice(0, 11_000).map((i, n) => (n % 100 === 0 ? { ...i, lotSize: 50 } : i));
    assert.deepEqual(await stepped.instruments.syncInSteps(next, pause), { added: 0, changed: 110, unlisted: 1000 });
    assert.deepEqual(stepped.instruments.listed(), next);
    stepped.db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
