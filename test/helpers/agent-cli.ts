/**
 * The agent as its CLI runs it, in a process of its own (for tests that kill it with `kill -9`):
 * started from source on a free port with the test token, killed when the test ends.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TEST_TOKEN, waitFor } from './test-agent';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface AgentCli {
  child: ChildProcessWithoutNullStreams;
  url: string;
  /** Everything it printed so far. */
  output(): string;
}

export async function spawnAgentCli(t: TestContext, dataDir: string, args: string[] = []): Promise<AgentCli> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'agent/cli.ts', '--port', '0', '--data-dir', dataDir, '--workers', '1', '--no-open', ...args], {
    cwd: root,
    env: { ...process.env, ALGODECK_TOKEN: TEST_TOKEN },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  t.after(() => child.kill('SIGKILL'));
  const url = await waitFor('the agent listening', () => /listening on (http:\/\/\S+)/.exec(out)?.[1], 30_000);
  return { child, url, output: () => out };
}
