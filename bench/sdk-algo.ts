/**
 * The TypeScript side of `npm run bench -- sdk`: an algo that uses the SDK as an author would.
 * Subscribes the instruments listed in the file `argv[2]`, measures each tick's delay from the
 * agent's worker (`receivedAt`) to here for `argv[3]` seconds after 3 s of warm-up, with this
 * process's CPU over the same window; then places `argv[4]` orders one at a time (place →
 * accepted and filled by the paper broker). Prints one JSON line and exits.
 */
import { connect } from '../sdk/ts/src/index';
import { DeliveryMeter, instruments, orders, reportAndExit } from './sdk-measure';

const algo = await connect();
const meter = new DeliveryMeter();
for await (const tick of algo.ticks(instruments, { mode: 'quote' })) {
  meter.record(meter.now(), tick.receivedAt);
  if (meter.over()) break;
}
const orderMs: number[] = [];
for (let i = 0; i < orders; i++) {
  const started = performance.now();
  const order = await algo.orders.place({ instrument: instruments[i % instruments.length]!, side: i % 2 === 0 ? 'BUY' : 'SELL', quantity: 1, type: 'MARKET' });
  orderMs.push(performance.now() - started);
  if (order.state !== 'filled') throw new Error(`order ${order.id} is ${order.state}`);
}
await algo.close();
reportAndExit(meter, orderMs);
