/**
 * `npm run bench [-- name…]`: runs the named benchmarks (all when none is named). Progress goes to
 * stderr; each benchmark's figures are printed as one JSON line, and the last line printed is
 * one JSON object of all figures (for a single benchmark, that benchmark's own object).
 */
import { runTickerBench } from './ticker';

const benches: Record<string, () => Promise<Record<string, unknown>>> = {
  ticker: runTickerBench,
  hub: () => import('./hub').then((m) => m.runHubBench()),
  candles: () => import('./candles').then((m) => m.runCandlesBench()),
  'kite-parse': () => import('./kite-parse').then((m) => m.runKiteParseBench()),
  ui: () => import('./ui').then((m) => m.runUiBench()),
  risk: () => import('./risk').then((m) => m.runRiskBench()),
  fleet: () => import('./fleet').then((m) => m.runFleetBench()),
  sdk: () => import('./sdk').then((m) => m.runSdkBench()),
};

const names = process.argv.slice(2);
const unknown = names.filter((name) => !(name in benches));
if (unknown.length > 0) {
  console.error(`unknown benchmark: ${unknown.join(', ')} (have: ${Object.keys(benches).join(', ')})`);
  process.exit(2);
}
const chosen = names.length > 0 ? names : Object.keys(benches);
const figures: Record<string, unknown>[] = [];
for (const name of chosen) {
  const result = await benches[name]!();
  figures.push(result);
  console.log(JSON.stringify(result));
}
if (figures.length > 1) console.log(JSON.stringify({ bench: 'all', results: figures }));
process.exit(0);
