/**
 * Where each instrument lives: pure planning over "instrument → worker" assignments. The
 * supervisor applies the plans; nothing here talks to a process.
 */

export interface Move {
  instrument: string;
  from: number | null;
  to: number;
}

/** Instruments per worker, counting every worker in `workers` (zero when empty). */
export function loadsOf(assignment: ReadonlyMap<string, number>, workers: readonly number[]): Map<number, number> {
  const loads = new Map<number, number>(workers.map((id) => [id, 0]));
  for (const worker of assignment.values()) {
    const load = loads.get(worker);
    if (load !== undefined) loads.set(worker, load + 1);
  }
  return loads;
}

/**
 * Places each new instrument on the least-loaded worker (lowest id on ties), so adding N to W
 * empty workers splits them N/W evenly. Returns null when they do not fit under `cap` per worker.
 */
export function planAdd(
  assignment: ReadonlyMap<string, number>,
  workers: readonly number[],
  instruments: readonly string[],
  cap: number,
): Move[] | null {
  const loads = loadsOf(assignment, workers);
  const order = [...workers].sort((a, b) => a - b);
  const moves: Move[] = [];
  for (const instrument of instruments) {
    if (assignment.has(instrument)) continue;
    let best: number | undefined;
    for (const worker of order) {
      const load = loads.get(worker)!;
      if (load < cap && (best === undefined || load < loads.get(best)!)) best = worker;
    }
    if (best === undefined) return null;
    loads.set(best, loads.get(best)! + 1);
    moves.push({ instrument, from: null, to: best });
  }
  return moves;
}

/**
 * Moves the fewest instruments that make the split even over `workers`: instruments on workers
 * that are going away all move; the rest move only from workers above their share. Heavier
 * workers keep the larger shares, so an already even split plans no move at all.
 */
export function planRebalance(assignment: ReadonlyMap<string, number>, workers: readonly number[]): Move[] {
  if (workers.length === 0) {
    if (assignment.size > 0) throw new RangeError('cannot place instruments on zero workers');
    return [];
  }
  const loads = loadsOf(assignment, workers);
  const total = assignment.size;
  const base = Math.floor(total / workers.length);
  const extra = total % workers.length;
  const byLoad = [...workers].sort((a, b) => loads.get(b)! - loads.get(a)! || a - b);
  const target = new Map<number, number>(byLoad.map((id, rank) => [id, base + (rank < extra ? 1 : 0)]));

  const kept = new Map<number, number>(workers.map((id) => [id, 0]));
  const homeless: Array<{ instrument: string; from: number }> = [];
  for (const [instrument, worker] of assignment) {
    const share = target.get(worker);
    if (share !== undefined && kept.get(worker)! < share) kept.set(worker, kept.get(worker)! + 1);
    else homeless.push({ instrument, from: worker });
  }

  const moves: Move[] = [];
  const receivers = [...workers].sort((a, b) => a - b);
  let next = 0;
  for (const { instrument, from } of homeless) {
    while (kept.get(receivers[next]!)! >= target.get(receivers[next]!)!) next++;
    const to = receivers[next]!;
    kept.set(to, kept.get(to)! + 1);
    moves.push({ instrument, from, to });
  }
  return moves;
}
