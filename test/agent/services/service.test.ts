import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { type Service, ServiceStack } from '../../../agent/services/service';

function recording(name: string, events: string[], fail?: 'start' | 'stop'): Service<string> {
  return {
    name,
    start() {
      events.push(`start ${name}`);
      if (fail === 'start') throw new Error(`${name} cannot start`);
      return name;
    },
    stop() {
      events.push(`stop ${name}`);
      if (fail === 'stop') throw new Error(`${name} cannot stop`);
    },
  };
}

test('services stop in reverse order, once, even when one fails to stop', async () => {
  const events: string[] = [];
  const stack = new ServiceStack(pino({ level: 'silent' }));
  assert.equal(await stack.start(recording('store', events)), 'store');
  await stack.start(recording('market', events, 'stop'));
  await stack.start(recording('api', events));
  await Promise.all([stack.stop(), stack.stop()]);
  assert.deepEqual(events, ['start store', 'start market', 'start api', 'stop api', 'stop market', 'stop store']);
  await assert.rejects(stack.start(recording('late', events)), /stopping/);
});

test('a service that fails to start is stopped too, so what it had started does not outlive it', async () => {
  const events: string[] = [];
  const stack = new ServiceStack(pino({ level: 'silent' }));
  await stack.start(recording('store', events));
  await assert.rejects(stack.start(recording('ticker', events, 'start')), /ticker cannot start/);
  await stack.stop();
  assert.deepEqual(events, ['start store', 'start ticker', 'stop ticker', 'stop store']);
});
