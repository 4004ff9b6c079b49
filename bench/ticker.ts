/**
 * Ticker engine benchmarks, side by side in one run:
 * - ceiling: Kite's real ceiling (9,000 instruments, full mode, 2 ticks/s each = 18,000 ticks/s
 *   into 3 workers) fanned out to 21 consumers in their own processes: a recorder of everything
 *   and 20 algos of 900 random instruments each;
 * - max: the highest tick rate the engine sustains to one consumer, against a bare ws server
 *   sending the same batched payload straight to the same consumer.
 *
 * Each figure is the median of several measurements, with their spread (`spread`: min, max and
 * every value), so that one run tells how far its figures can be trusted:
 * - ceiling: the measured time is cut into BENCH_WINDOWS (5) sub-windows of BENCH_MEASURE_MS
 *   (10,000) ms each; p50/p99/p999 are the medians over the sub-windows (`wholeWindow` holds the
 *   values over all of it);
 * - max: after a coarse search, BENCH_MAX_REPEATS (3) searches of BENCH_MAX_STEPS (5) bisection
 *   steps each, the engine's and the bare server's steps taken in turn so that drift on the
 *   machine affects both; the ratio is the median of the repeats' ratios.
 *   BENCH_ATTEMPT_MS (3000) is how long each offered rate is measured.
 * BENCH_PARTS=ceiling (or max) runs one part. For experiments: BENCH_ALGOS (20) sets the number of
 * algo consumers, BENCH_CONSUMER_NICE (0) runs the consumers at that nice level.
 */
import { children, knob, log } from './bench-processes';
import { ceiling } from './ticker-ceiling';
import { max } from './ticker-max';

export async function runTickerBench(): Promise<Record<string, unknown>> {
  try {
    const parts = (process.env.BENCH_PARTS ?? 'ceiling,max').split(',');
    const result: Record<string, unknown> = { bench: 'ticker' };
    if (parts.includes('ceiling')) {
      result.ceiling = await ceiling(knob('BENCH_MEASURE_MS', 10_000, 500), knob('BENCH_WINDOWS', 5));
      log(`ceiling: ${JSON.stringify(result.ceiling)}`);
    }
    if (parts.includes('max')) {
      result.max = await max(knob('BENCH_ATTEMPT_MS', 3000, 500), knob('BENCH_MAX_REPEATS', 3), knob('BENCH_MAX_STEPS', 5));
      log(`max: ${JSON.stringify(result.max)}`);
    }
    return result;
  } finally {
    for (const child of children) child.kill('SIGKILL');
  }
}
