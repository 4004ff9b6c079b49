import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadsOf, planAdd, planRebalance, type Move } from '../../../agent/ticker/splitter';

const ids = (n: number, prefix = 'NSE:S') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

function apply(assignment: Map<string, number>, moves: Move[]): Map<string, number> {
  const next = new Map(assignment);
  for (const move of moves) next.set(move.instrument, move.to);
  return next;
}

test('100 instruments over 3 empty workers split 34/33/33', () => {
  const moves = planAdd(new Map(), [1, 2, 3], ids(100), 3000)!;
  const loads = loadsOf(apply(new Map(), moves), [1, 2, 3]);
  assert.deepEqual([...loads.values()], [34, 33, 33]);
  assert.ok(moves.every((m) => m.from === null));
});

test('an added instrument goes to the least-loaded worker', () => {
  const assignment = new Map([
    ['NSE:A', 1],
    ['NSE:B', 1],
    ['NSE:C', 2],
  ]);
  const moves = planAdd(assignment, [1, 2, 3], ['NSE:D', 'NSE:E'], 3000)!;
  assert.deepEqual(moves, [
    { instrument: 'NSE:D', from: null, to: 3 },
    { instrument: 'NSE:E', from: null, to: 2 },
  ]);
});

test('already-assigned instruments are not placed twice', () => {
  const moves = planAdd(new Map([['NSE:A', 2]]), [1, 2], ['NSE:A', 'NSE:B'], 10)!;
  assert.deepEqual(moves, [{ instrument: 'NSE:B', from: null, to: 1 }]);
});

test('planAdd returns null when the caps cannot hold the instruments, and nothing partial', () => {
  assert.equal(planAdd(new Map(), [1, 2], ids(7), 3), null);
  assert.equal(planAdd(new Map(), [], ids(1), 3000), null);
  assert.equal(planAdd(new Map(), [1, 2], ids(6), 3)!.length, 6);
});

test('an even split plans no move', () => {
  const assignment = apply(new Map(), planAdd(new Map(), [1, 2, 3], ids(100), 3000)!);
  assert.deepEqual(planRebalance(assignment, [1, 2, 3]), []);
});

test('growing 3 → 4 workers moves only what the new worker needs', () => {
  const start = apply(new Map(), planAdd(new Map(), [1, 2, 3], ids(100), 3000)!);
  const moves = planRebalance(start, [1, 2, 3, 4]);
  assert.equal(moves.length, 25);
  assert.ok(moves.every((m) => m.to === 4 && m.from !== 4));
  const loads = [...loadsOf(apply(start, moves), [1, 2, 3, 4]).values()];
  assert.deepEqual(loads, [25, 25, 25, 25]);
});

test('shrinking 3 → 2 workers moves only the removed worker\'s instruments', () => {
  const start = apply(new Map(), planAdd(new Map(), [1, 2, 3], ids(100), 3000)!);
  const onThree = [...start].filter(([, w]) => w === 3).map(([id]) => id);
  const moves = planRebalance(start, [1, 2]);
  assert.deepEqual(moves.map((m) => m.instrument).sort(), onThree.sort());
  assert.deepEqual([...loadsOf(apply(start, moves), [1, 2]).values()].sort(), [50, 50]);
});

test('a lopsided split is evened with the fewest moves', () => {
  const start = new Map<string, number>(ids(10).map((id) => [id, 1]));
  const moves = planRebalance(start, [1, 2]);
  assert.equal(moves.length, 5);
  assert.deepEqual([...loadsOf(apply(start, moves), [1, 2]).values()], [5, 5]);
});

test('rebalancing onto zero workers is refused, an empty set is fine', () => {
  assert.throws(() => planRebalance(new Map([['NSE:A', 1]]), []), RangeError);
  assert.deepEqual(planRebalance(new Map(), []), []);
});

test('random assignments always end even and never move an instrument that may stay', () => {
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let round = 0; round < 200; round++) {
    const before = 1 + rand(6);
    const after = 1 + rand(6);
    const start = new Map<string, number>(ids(rand(60)).map((id) => [id, 1 + rand(before)]));
    const workers = Array.from({ length: after }, (_, i) => i + 1);
    const end = apply(start, planRebalance(start, workers));
    const loads = [...loadsOf(end, workers).values()];
    assert.ok(Math.max(...loads) - Math.min(...loads) <= 1, `uneven: ${loads}`);
    assert.equal([...end.values()].filter((w) => !workers.includes(w)).length, 0);
    const staying = [...start].filter(([id, w]) => workers.includes(w) && end.get(id) === w).length;
    const lowerBound = [...loadsOf(start, workers).entries()].reduce(
      (sum, [, load]) => sum + Math.min(load, Math.ceil(start.size / after)),
      0,
    );
    assert.ok(staying >= lowerBound - after, `moved too many: kept ${staying}, could keep ~${lowerBound}`);
  }
});
