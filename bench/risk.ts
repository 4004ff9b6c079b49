/**
 * `npm run bench -- risk`: the central risk manager. Parts (BENCH_RISK_PARTS, comma-separated;
 * all by default): `check` (the pre-trade check in process, `risk-check.ts`), `orders` (an order
 * from a client through the hub's check to the paper broker's answer, one at a time, from a
 * member, and sustained) and `kill` (the kill switch with 200 open orders), both in
 * `risk-orders.ts`.
 */
import { runCheckBench } from './risk-check';
import { runOrderPathBench } from './risk-orders';

const PARTS = ['check', 'orders', 'kill'];

export async function runRiskBench(): Promise<Record<string, unknown>> {
  const chosen = new Set((process.env.BENCH_RISK_PARTS ?? PARTS.join(',')).split(',').map((part) => part.trim()));
  const unknown = [...chosen].filter((part) => !PARTS.includes(part));
  if (unknown.length > 0) throw new Error(`BENCH_RISK_PARTS: unknown part ${unknown.join(', ')} (have ${PARTS.join(', ')})`);
  const figures: Record<string, unknown> = { bench: 'risk' };
  if (chosen.has('check')) figures.preTradeCheck = runCheckBench();
  if (chosen.has('orders') || chosen.has('kill')) Object.assign(figures, await runOrderPathBench(chosen));
  return figures;
}
