/** Starts a real agent (real worker processes, real sockets on loopback) for one test file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { type AgentHooks, type AgentOptions, type RunningAgent, startAgent } from '../../agent/agent';
import { type ApiClient, createApiClient } from '../../shared/contract/client';
import type { TickMode } from '../../shared/tick';

export { sleep, waitFor } from './wait';

export interface TestAgent {
  agent: RunningAgent;
  api: ApiClient;
  dataDir: string;
  /** Raw HTTP for the cases the typed client cannot express (bad JSON, wrong types…). */
  request(method: string, path: string, options?: { body?: string; headers?: Record<string, string>; token?: string | null }): Promise<{ status: number; body: any; headers: Headers }>;
  stop(): Promise<void>;
}

export const TEST_TOKEN = 'test-token-0123456789abcdef';

export async function startTestAgent(given: Partial<AgentOptions> & AgentHooks = {}): Promise<TestAgent> {
  const { feed, limits, workerHangAfterMs, processHost, hub, streamMaxBufferedBytes, candles, secrets, kiteLimits, kiteOrders, appOrigins, taskLogFiles, fleetHeartbeatMs, memberBackoff, ...options } = given;
  const hooks: AgentHooks = { feed, limits, workerHangAfterMs, processHost, hub, streamMaxBufferedBytes, candles, secrets, kiteLimits, kiteOrders, appOrigins, taskLogFiles, fleetHeartbeatMs, memberBackoff };
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'algodeck-test-'));
  const agent = await startAgent(
    {
      port: 0,
      token: TEST_TOKEN,
      workers: 3,
      simTicksPerSecond: 10,
      // Tests start from an empty ticker unless they ask for the first run's watchlist.
      firstRunWatchlist: false,
      examples: false,
      log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      ...options,
      dataDir,
    },
    Object.fromEntries(Object.entries(hooks).filter(([, value]) => value !== undefined)),
  );
  const api = createApiClient(agent.url, TEST_TOKEN, (url, init) => fetch(url, init));
  let stopped = false;
  return {
    agent,
    api,
    dataDir,
    async request(method, path, { body, headers = {}, token = TEST_TOKEN } = {}) {
      const all: Record<string, string> = { ...headers };
      if (token !== null) all.authorization = `Bearer ${token}`;
      if (body !== undefined && !Object.keys(all).some((k) => k.toLowerCase() === 'content-type')) {
        all['content-type'] = 'application/json';
      }
      const response = await fetch(agent.url + path, { method, headers: all, ...(body === undefined ? {} : { body }) });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text for the assertion message
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await agent.stop();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}


/**
 * Brings a shared agent's ticker to a known state (exactly these instruments, this many
 * workers), so the tests of a file that share one agent do not depend on their order.
 */
export async function resetTicker(api: ApiClient, { instruments = [], mode = 'quote', workers = 3 }: { instruments?: string[]; mode?: TickMode; workers?: number } = {}): Promise<void> {
  const state = await api.call('getTicker');
  const wanted = new Set(instruments);
  const extra = state.subscriptions.map((s) => s.instrument).filter((id) => !wanted.has(id));
  if (extra.length > 0) await api.call('unsubscribe', { instruments: extra });
  if (state.workers.filter((w) => w.state !== 'stopping').length !== workers) await api.call('setWorkers', { count: workers });
  const have = new Set(state.subscriptions.map((s) => s.instrument));
  const missing = instruments.filter((id) => !have.has(id));
  if (missing.length > 0) await api.call('subscribe', { instruments: missing, mode });
}
