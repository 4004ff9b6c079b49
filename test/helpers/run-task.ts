/** Runs a command as a task of a test agent until it ends; answers how it ended and its log. */
import assert from 'node:assert/strict';
import type { TaskInfo } from '../../shared/task';
import { jsonLines } from './child-output';
import type { TestAgent } from './test-agent';
import { waitFor } from './wait';

export interface FinishedTask {
  info: TaskInfo;
  /** Every line of its output, oldest first. */
  lines: string[];
  /** The lines that are JSON objects (an SDK's log). */
  entries: Array<Record<string, unknown>>;
}

export async function runTaskToEnd(agent: Pick<TestAgent, 'request'>, task: { name: string; command: string; args: string[] }, timeoutMs = 40_000): Promise<FinishedTask> {
  const created = await agent.request('POST', '/api/v1/tasks', { body: JSON.stringify({ ...task, restart: { policy: 'never' }, start: true }) });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const { id } = created.body as TaskInfo;
  const info = await waitFor('the task to end', async () => {
    const now = (await agent.request('GET', `/api/v1/tasks/${id}`)).body as TaskInfo;
    return ['exited', 'errored', 'waiting', 'stopped'].includes(now.state) && now;
  }, timeoutMs);
  const lines = ((await agent.request('GET', `/api/v1/tasks/${id}/logs`)).body as { lines: Array<{ text: string }> }).lines.map((line) => line.text);
  return { info, lines, entries: jsonLines(lines.join('\n')) };
}
