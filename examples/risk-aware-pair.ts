/**
 * Shared knowledge: two copies of this algo (tasks `pair-a` and `pair-b`) watch the same stocks,
 * and before buying one each reads the portfolio's exposure from the central risk manager. If
 * another algo already holds the stock, it stands down and says so, so the pair never doubles a
 * bet the other made. It also follows its own trading state: REDUCING or HALTED (a limit, the
 * kill switch, the trader) means no new entries.
 *
 * The signal is simple on purpose: buy a stock trading above its previous close, hold it for
 * `--hold-seconds` or until its stop, then sell.
 *
 *   node risk-aware-pair.mjs --instruments NSE:TCS,NSE:HDFCBANK,NSE:ITC --quantity 5 --hold-seconds 120 --stop-pct 0.5
 */
import { parseArgs } from 'node:util';
import { connect, RiskRejectedError } from '../sdk/ts/src/index';

const { values: args } = parseArgs({
  options: {
    instruments: { type: 'string', default: 'NSE:TCS,NSE:HDFCBANK,NSE:ITC' },
    quantity: { type: 'string', default: '5' },
    'hold-seconds': { type: 'string', default: '120' },
    'stop-pct': { type: 'string', default: '0.5' },
  },
});
const instruments = args.instruments.split(',').map((id) => id.trim()).filter(Boolean);
const quantity = Number(args.quantity);
const holdMs = Number(args['hold-seconds']) * 1000;
const stopFraction = Number(args['stop-pct']) / 100;

const algo = await connect();
/** What this algo holds: since when, and its stop. Kept in the algo's state. */
const held = new Map<string, { since: number; stop: number }>(Object.entries(((await algo.state.get('held')) as Record<string, { since: number; stop: number }> | undefined) ?? {}));
for (const position of await algo.positions()) if (position.quantity === 0) held.delete(position.instrument);
let standing: 'ACTIVE' | 'REDUCING' | 'HALTED' = 'ACTIVE';
/** Instruments we last stood down on, so the log says it once, not at every tick. */
const stoodDown = new Set<string>();
const busy = new Set<string>();
algo.log.info('started', { instruments, quantity, holdSeconds: holdMs / 1000, held: [...held.keys()] });

const save = () => algo.state.set('held', Object.fromEntries(held));

async function place(instrument: string, side: 'BUY' | 'SELL', price: number, why: string): Promise<boolean> {
  busy.add(instrument);
  try {
    const stopLoss = side === 'BUY' ? Math.round(price * (1 - stopFraction) * 100) / 100 : undefined;
    const order = await algo.orders.place({ instrument, side, quantity, type: 'MARKET', ...(stopLoss === undefined ? {} : { stopLoss }) });
    algo.log.info(`${side === 'BUY' ? 'bought' : 'sold'} ${instrument}: ${why}`, { order: order.id, state: order.state });
    if (side === 'BUY') held.set(instrument, { since: Date.now(), stop: stopLoss! });
    else held.delete(instrument);
    await save();
    return true;
  } catch (error) {
    if (!(error instanceof RiskRejectedError)) throw error;
    algo.log.warn(`the risk manager refused to ${side === 'BUY' ? 'buy' : 'sell'} ${instrument}: ${error.message}`, { rule: error.rule });
    return false;
  } finally {
    busy.delete(instrument);
  }
}

/** Who else holds `instrument` now, from the risk manager's shared view of the portfolio. */
async function othersHolding(instrument: string): Promise<string[]> {
  const exposure = (await algo.risk.state()).exposure[instrument];
  return Object.entries(exposure?.algos ?? {})
    .filter(([name, qty]) => name !== algo.name && qty !== 0)
    .map(([name, qty]) => `${name} (${qty})`);
}

algo.onStop(async () => {
  await save();
  algo.log.info('stopping', { held: [...held.keys()] });
});

const states = (async () => {
  for await (const event of algo.risk.events()) {
    if (event.scope !== algo.name && event.scope !== 'global') continue;
    standing = event.to;
    algo.log.warn(`trading state ${event.to}: ${event.reason}`, { scope: event.scope });
  }
})();

const ticks = (async () => {
  for await (const tick of algo.ticks(instruments, { mode: 'quote' })) {
    const { instrument, lastPrice: price } = tick;
    if (busy.has(instrument)) continue;
    const mine = held.get(instrument);
    if (mine) {
      if (price <= mine.stop) await place(instrument, 'SELL', price, `stop at ${mine.stop} hit`);
      else if (Date.now() - mine.since >= holdMs) await place(instrument, 'SELL', price, `held ${holdMs / 1000} s`);
      continue;
    }
    if (standing !== 'ACTIVE' || !(tick.change !== undefined && tick.change > 0)) continue;
    busy.add(instrument);
    // Both algos see the same tick at the same moment: a random pause lets the first one's order
    // land before the other looks. The exposure shows filled positions; the guarantee against two
    // algos together holding too much is a per-instrument limit at the risk manager (`maxRisk`).
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 1000));
    const others = await othersHolding(instrument).finally(() => busy.delete(instrument));
    if (others.length > 0) {
      if (!stoodDown.has(instrument)) algo.log.info(`standing down on ${instrument}: already held by ${others.join(', ')}`);
      stoodDown.add(instrument);
      continue;
    }
    stoodDown.delete(instrument);
    await place(instrument, 'BUY', price, `up ${tick.change.toFixed(2)} % on the day, and no other algo holds it`);
  }
})();

await Promise.race([states, ticks]);
