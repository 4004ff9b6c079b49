/** connectAgent against a real agent: the typed REST client and the one JSON stream, with and without a token. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { StreamState } from '../../../shared/contract/stream-client';
import { ApiError } from '../../../shared/errors';
import type { Tick } from '../../../shared/tick';
import { connectAgent } from '../../../renderer/src/agent/agent-connection';
import { sleep, startTestAgent, TEST_TOKEN, type TestAgent, waitFor } from '../../helpers/test-agent';
import { connectForTest, gatedSocket, newGate } from '../helpers/agent-socket';

let agent: TestAgent;
before(async () => {
  agent = await startTestAgent({ workers: 1, simTicksPerSecond: 20 });
  await agent.api.call('subscribe', { instruments: ['NSE:INFY', 'NSE:TCS'], mode: 'full' });
});
after(() => agent.stop());

test('with the token: REST calls and a JSON stream of ticks, on the agent\'s own URL', async () => {
  const gate = newGate();
  const connection = connectAgent({ url: `${agent.agent.url}///`, token: TEST_TOKEN, fetch: (u, init) => fetch(u, init), connect: gatedSocket(gate) });
  try {
    assert.equal(connection.url, agent.agent.url, 'trailing slashes dropped');
    const ticker = await connection.api.call('getTicker');
    assert.deepEqual(ticker.subscriptions.map((s) => s.instrument).sort(), ['NSE:INFY', 'NSE:TCS']);
    assert.equal((await connection.api.call('health')).status, 'ok');

    await waitFor('the stream to open', () => connection.stream.connectionState === 'open');
    assert.equal(gate.opened.length, 1);
    assert.equal(gate.opened[0]!.url, `${agent.agent.url.replace(/^http/, 'ws')}/api/v1/stream`, 'JSON: no binary format asked for');
    assert.deepEqual(gate.opened[0]!.protocols, ['algodeck.v1', `bearer.${TEST_TOKEN}`]);

    const ticks: Tick[] = [];
    const messages: string[] = [];
    connection.stream.on('ticks', (batch) => ticks.push(...batch));
    connection.stream.on('message', (message) => messages.push(message.type));
    const reply = await connection.stream.subscribe('ticks', { instruments: ['NSE:TCS'] });
    assert.deepEqual(reply.instruments, ['NSE:TCS']);
    await waitFor('TCS ticks', () => ticks.length >= 3);
    assert.ok(ticks.every((tick) => tick.instrument === 'NSE:TCS' && tick.mode === 'full'));
    assert.ok(messages.includes('ticks'), 'ticks came as JSON messages');
  } finally {
    connection.close();
  }
  assert.equal(connection.stream.connectionState, 'closed');
  await assert.rejects(connection.stream.subscribe('ticks', { instruments: ['NSE:INFY'] }), (error: unknown) => error instanceof ApiError && error.code === 'unavailable');
});

test('a refusal over REST is the agent\'s ApiError', async () => {
  const connection = connectForTest(agent.agent.url, TEST_TOKEN);
  try {
    const raw = await agent.request('POST', '/api/v1/ticker/subscriptions', { body: JSON.stringify({ instruments: ['NSE:NOPE'] }) });
    await assert.rejects(connection.api.call('subscribe', { instruments: ['NSE:NOPE'] }), (error: unknown) => {
      assert.ok(error instanceof ApiError);
      assert.equal(error.code, raw.body.error.code);
      assert.equal(error.code, 'unknown_instrument');
      assert.equal(error.message, raw.body.error.message);
      return true;
    });
  } finally {
    connection.close();
  }
});

test('without a token (a browser before its cookie): public calls work, the rest is refused, the stream never opens', async () => {
  const gate = newGate();
  const connection = connectForTest(agent.agent.url, undefined, gate);
  const states: StreamState[] = [];
  connection.stream.on('state', (state) => states.push(state));
  try {
    assert.equal((await connection.api.call('health')).status, 'ok');
    await assert.rejects(connection.api.call('getTicker'), (error: unknown) => error instanceof ApiError && error.code === 'unauthorized');
    assert.deepEqual(gate.opened[0]!.protocols, ['algodeck.v1'], 'no bearer subprotocol without a token');
    await waitFor('a refused connection to be retried', () => gate.opened.length >= 2 && states.includes('reconnecting'));
    assert.ok(!states.includes('open'), `states: ${states.join(', ')}`);
  } finally {
    connection.close();
  }
  const attempts = gate.opened.length;
  await sleep(400);
  assert.equal(gate.opened.length, attempts, 'no attempt after close');
  assert.equal(states.at(-1), 'closed');
});
