/**
 * A moving-average crossover, long only: long while the fast average of closed bars is above the
 * slow one, flat otherwise. The averages are warmed up from history, so it knows the trend the
 * moment it starts; every position carries a stop-loss (given to the risk manager with the order,
 * and watched on every tick), and after a stop it waits for the next crossover before buying again.
 *
 *   node ma-crossover.mjs --instrument NSE:INFY --interval 5minute --fast 9 --slow 21 --quantity 10 --stop-pct 1
 *
 * Run as a task, it connects with what the agent gives it; from a terminal, set ALGODECK_URL,
 * ALGODECK_TOKEN and ALGODECK_ALGO. Its position, entry and stop are kept in the algo's state, so a
 * restart (of the algo or of the agent) carries on where it was.
 */
import { parseArgs } from 'node:util';
import { type Algo, connect, type Order, RiskRejectedError } from '../sdk/ts/src/index';

const { values: args } = parseArgs({
  options: {
    instrument: { type: 'string', default: 'NSE:INFY' },
    interval: { type: 'string', default: '5minute' },
    fast: { type: 'string', default: '9' },
    slow: { type: 'string', default: '21' },
    quantity: { type: 'string', default: '10' },
    'stop-pct': { type: 'string', default: '1' },
  },
});
const instrument = args.instrument;
const fast = Number(args.fast);
const slow = Number(args.slow);
const quantity = Number(args.quantity);
const stopFraction = Number(args['stop-pct']) / 100;

interface Memory {
  /** Shares held (0 or `quantity`). */
  held: number;
  entry: number | null;
  stop: number | null;
  /** Stopped out in this trend: no new entry until the averages cross again. */
  waitForCross: boolean;
  trades: number;
}

const FINAL = new Set(['filled', 'cancelled', 'rejected']);
const average = (values: number[], n: number) => values.slice(-n).reduce((sum, v) => sum + v, 0) / n;

async function main(algo: Algo): Promise<void> {
  const memory: Memory = { held: 0, entry: null, stop: null, waitForCross: false, trades: 0, ...((await algo.state.get('memory')) as Partial<Memory> | undefined) };
  // The risk manager's book is the truth about what is held (an order may have filled while away).
  const position = (await algo.positions()).find((p) => p.instrument === instrument);
  memory.held = position?.quantity ?? 0;
  algo.log.info('started', { instrument, fast, slow, quantity, stopPct: stopFraction * 100, held: memory.held, trades: memory.trades });

  const closes: number[] = [];
  let trend: 'up' | 'down' | null = null;
  let busy = false;

  const remember = () => algo.state.set('memory', memory);
  /** An order of ours not yet filled, cancelled or rejected: nothing new is sent meanwhile. */
  let pending: { id: string; side: 'BUY' | 'SELL'; stopLoss: number | null } | null = null;
  const settle = async (order: Order, stopLoss: number | null) => {
    pending = null;
    if (order.state !== 'filled') return algo.log.warn(`order ${order.id} ended ${order.state}`, { rejection: order.rejection });
    memory.held = order.side === 'BUY' ? order.quantity : 0;
    memory.entry = order.side === 'BUY' ? order.averagePrice : null;
    memory.stop = order.side === 'BUY' ? stopLoss : null;
    memory.trades++;
    await remember();
  };
  const trade = async (side: 'BUY' | 'SELL', price: number, why: string) => {
    busy = true;
    try {
      const stopLoss = side === 'BUY' ? Math.round(price * (1 - stopFraction) * 100) / 100 : null;
      const order = await algo.orders.place({ instrument, side, quantity, type: 'MARKET', ...(stopLoss === null ? {} : { stopLoss }) });
      algo.log.info(`${side === 'BUY' ? 'buying' : 'selling'}: ${why}`, { order: order.id, state: order.state, price: order.averagePrice ?? price, stopLoss });
      pending = { id: order.id, side, stopLoss };
      if (FINAL.has(order.state)) await settle(order, stopLoss);
    } catch (error) {
      if (!(error instanceof RiskRejectedError)) throw error;
      // The risk manager said no: say why, and try again at the next bar rather than at every tick.
      algo.log.warn(`the risk manager refused the ${side}: ${error.message}`, { rule: error.rule });
      trend = null;
    } finally {
      busy = false;
    }
  };

  // Orders a broker fills later (a limit, Kite's market orders) settle from the stream.
  const updates = (async () => {
    for await (const order of algo.orders.updates()) {
      if (pending !== null && order.id === pending.id && FINAL.has(order.state)) await settle(order, pending.stopLoss);
    }
  })();

  algo.onStop(async () => {
    await remember();
    algo.log.info('stopping', { held: memory.held, trades: memory.trades });
  });
  algo.onReconnect(() => algo.log.info('the agent is back; subscriptions renewed'));

  const bars = (async () => {
    for await (const bar of algo.candles(instrument, args.interval as never, { count: slow + 1 })) {
      closes.push(bar.close);
      if (closes.length > slow) closes.shift();
      if (closes.length < slow) continue;
      const next = average(closes, fast) > average(closes, slow) ? 'up' : 'down';
      if (next !== trend && trend !== null) memory.waitForCross = false;
      trend = next;
    }
  })();

  const ticks = (async () => {
    for await (const tick of algo.ticks([instrument], { mode: 'quote' })) {
      if (busy || pending !== null || trend === null) continue;
      const price = tick.lastPrice;
      if (memory.held > 0 && memory.stop !== null && price <= memory.stop) {
        await trade('SELL', price, `stop-loss at ${memory.stop} hit (${price})`);
        memory.waitForCross = true;
        await remember();
      } else if (memory.held > 0 && trend === 'down') await trade('SELL', price, 'the fast average crossed below the slow one');
      else if (memory.held === 0 && trend === 'up' && !memory.waitForCross) await trade('BUY', price, 'the fast average is above the slow one');
    }
  })();

  await Promise.race([bars, ticks, updates]);
}

const algo = await connect();
await main(algo);
