import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AgentInfo, AgentWithHistory } from '../../../shared/fleet';
import type { SystemSample } from '../../../shared/system';
import type { TaskInfo } from '../../../shared/task';
import { mergeAgents, mergeTasks, withSample } from '../../../renderer/src/stores/fleet-store';

const sample = (at: string, cpu: number): SystemSample =>
  ({
    at,
    cpu: { percent: cpu, perCore: [cpu], cores: 1 },
    memory: { totalMb: 100, usedMb: 50, availableMb: 50, percent: 50, limited: false },
    disk: { path: '/', totalGb: 10, usedGb: 2, freeGb: 8, percent: 20 },
    network: { rxBytesPerSecond: 10, txBytesPerSecond: 5 },
  }) as SystemSample;

const agent = (id: string, system: SystemSample | null, status: 'online' | 'offline' = 'online') => ({ id, name: id, status, system }) as AgentInfo;

test('a new sample extends the sparklines; the same or an older one does not, and the history stays bounded', () => {
  let history = withSample(null, sample('2026-12-02T10:00:00.000Z', 10));
  history = withSample(history, sample('2026-12-02T10:00:01.000Z', 20));
  assert.deepEqual(history.cpuPercent, [10, 20]);
  assert.deepEqual(history.diskPercent, [20, 20]);
  assert.equal(withSample(history, sample('2026-12-02T10:00:01.000Z', 99)), history, 'a repeated sample changes nothing');
  for (let i = 2; i < 400; i++) history = withSample(history, sample(new Date(Date.parse('2026-12-02T10:00:00.000Z') + i * 1000).toISOString(), i));
  assert.equal(history.at.length, 300);
  assert.equal(history.cpuPercent.at(-1), 399);
});

test('fleet messages merge into the agents: changed ones replaced with their history extended, new ones added, others kept', () => {
  const first: AgentWithHistory[] = [{ ...agent('hub', sample('2026-12-02T10:00:00.000Z', 5)), history: withSample(null, sample('2026-12-02T10:00:00.000Z', 5)) }, { ...agent('m1', null, 'offline'), history: null }];
  const next = mergeAgents(first, [agent('hub', sample('2026-12-02T10:00:01.000Z', 7)), agent('m2', sample('2026-12-02T10:00:01.000Z', 1))]);
  assert.deepEqual(next.map((a) => a.id), ['hub', 'm1', 'm2']);
  assert.deepEqual(next[0]!.history!.cpuPercent, [5, 7]);
  assert.equal(next[1], first[1], 'an agent that did not change is the same object (its card does not redraw)');
  assert.deepEqual(next[2]!.history!.cpuPercent, [1]);
  const offline = mergeAgents(next, [agent('hub', null, 'offline')]);
  assert.deepEqual(offline[0]!.history!.cpuPercent, [5, 7], 'an agent without a sample keeps its history');
});

test('task changes merge by id, keeping the order and adding new tasks last', () => {
  const task = (id: string, state: TaskInfo['state']) => ({ id, state }) as TaskInfo;
  const merged = mergeTasks([task('a', 'running'), task('b', 'stopped')], [task('b', 'running'), task('c', 'starting')]);
  assert.deepEqual(merged.map((t) => [t.id, t.state]), [['a', 'running'], ['b', 'running'], ['c', 'starting']]);
});
