/**
 * The floor of `npm run bench -- sdk`: the same measures as `sdk-algo.ts`, with no SDK — a bare
 * `ws` stream (binary ticks, as the SDK asks for them) and bare HTTP for the orders. What the
 * SDK adds is the algo's figure over this one, taken in the same run on the same agent.
 */
import { Agent, request } from 'node:http';
import WebSocket from 'ws';
import { forEachFrameTick } from '../shared/tick-frame';
import { BEARER_PROTOCOL_PREFIX, STREAM_PATH, STREAM_PROTOCOL } from '../shared/contract/stream-names';
import { DeliveryMeter, instruments, orders, reportAndExit } from './sdk-measure';

const url = process.env.ALGODECK_URL!;
const token = process.env.ALGODECK_TOKEN!;
const meter = new DeliveryMeter();
await new Promise<void>((resolve, reject) => {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}${STREAM_PATH}?format=binary`, [STREAM_PROTOCOL, `${BEARER_PROTOCOL_PREFIX}${token}`], { perMessageDeflate: false });
  socket.on('error', reject);
  socket.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) {
      const message = JSON.parse(data.toString('utf8')) as { type: string };
      if (message.type === 'welcome') socket.send(JSON.stringify({ type: 'subscribe', topic: 'ticks', id: 's1', instruments, mode: 'quote', carry: true }));
      if (message.type === 'error') reject(new Error(data.toString('utf8')));
      return;
    }
    const now = meter.now();
    forEachFrameTick(data, (_view, _offset, _length, receivedAt) => meter.record(now, receivedAt));
    if (meter.over()) {
      socket.close();
      resolve();
    }
  });
});

const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
function post(body: string): Promise<{ state: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/api/v1/orders`, { method: 'POST', agent: keepAlive, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => (res.statusCode === 201 || res.statusCode === 200 ? resolve(JSON.parse(text) as { state: string }) : reject(new Error(`HTTP ${res.statusCode}: ${text}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}
const orderMs: number[] = [];
for (let i = 0; i < orders; i++) {
  const started = performance.now();
  const order = await post(JSON.stringify({ algo: 'bench-floor', clientOrderId: `floor-${i}`, instrument: instruments[i % instruments.length], side: i % 2 === 0 ? 'BUY' : 'SELL', quantity: 1, type: 'MARKET' }));
  orderMs.push(performance.now() - started);
  if (order.state !== 'filled') throw new Error(`order ${i} is ${order.state}`);
}
keepAlive.destroy();
reportAndExit(meter, orderMs);
