/** The ticker benchmark's processes: starting them from the built tree or the sources, talking to them, stopping them. */
import { type Agent as HttpAgent, request } from 'node:http';
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENT_NODE_FLAGS } from '../agent/process/node-flags';

/** Bench processes run from the built tree (`npm run bench`) or, under tsx, from source. */
export const FROM_SOURCE = import.meta.url.endsWith('.ts');
export const here = (name: string) => fileURLToPath(new URL(`./${name}${FROM_SOURCE ? '.ts' : '.mjs'}`, import.meta.url));
export const TOKEN = 'bench-token-0123456789abcdef';
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const children = new Set<ChildProcess>();
export const log = (text: string) => process.stderr.write(`[ticker] ${text}\n`);

export function start(file: string, args: string[], stdout: 'pipe' | 'ignore' = 'ignore', nodeFlags: string[] = []): ChildProcess {
  const execArgv = [...(FROM_SOURCE ? ['--import', 'tsx'] : []), ...nodeFlags];
  const child = fork(here(file), args, { execArgv, stdio: ['ignore', stdout, 'inherit', 'ipc'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

export function message<T>(child: ChildProcess, type: string, timeoutMs = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${type}" from ${child.spawnfile} in ${timeoutMs} ms`)), timeoutMs);
    const listener = (m: { type?: string }) => {
      if (m.type !== type) return;
      clearTimeout(timer);
      child.off('message', listener);
      resolve(m as T);
    };
    child.on('message', listener);
  });
}

export async function api<T>(url: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export interface BenchAgent {
  child: ChildProcess;
  url: string;
  dataDir: string;
  simMarketPid: number | null;
}

/** An agent process; its data directory is a fresh one, removed when it stops, unless `dataDir` is given. */
export async function startAgent(options: Record<string, unknown>): Promise<BenchAgent> {
  const dataDir = typeof options.dataDir === 'string' ? options.dataDir : mkdtempSync(join(tmpdir(), 'algodeck-bench-'));
  // The agent runs with the flags `npm start` gives it.
  // Benchmarks subscribe what they measure: no first-run watchlist.
  const child = start('agent-process', [JSON.stringify({ port: 0, token: TOKEN, dataDir, firstRunWatchlist: false, examples: false, ...options })], 'ignore', AGENT_NODE_FLAGS);
  const ready = await message<{ url: string; simMarketPid: number | null }>(child, 'ready');
  return { child, url: ready.url, dataDir, simMarketPid: ready.simMarketPid };
}

export async function stopAgent(agent: { child: ChildProcess; dataDir: string }): Promise<void> {
  const exited = new Promise((resolve) => agent.child.once('exit', resolve));
  agent.child.send({ type: 'stop' });
  await Promise.race([exited, sleep(10_000)]);
  agent.child.kill('SIGKILL');
  rmSync(agent.dataDir, { recursive: true, force: true });
}


/** A whole number ≥ `min` from the environment. */
export function knob(name: string, fallback: number, min = 1): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number ≥ ${min}, got ${text}`);
  return value;
}

/** One HTTP call on a keep-alive connection of `agent`; resolves to its duration in ms (request written to the response's last byte) and its body. */
export function timedCall(agent: HttpAgent, url: string, method: string, path: string, token: string, body?: string): Promise<number> {
  return timedCallWithBody(agent, url, method, path, token, body).then((answer) => answer.ms);
}

export function timedCallWithBody(agent: HttpAgent, url: string, method: string, path: string, token: string, body?: string): Promise<{ ms: number; body: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(
      url + path,
      {
        method,
        agent,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const ms = performance.now() - started;
          const text = Buffer.concat(chunks).toString();
          if (res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300) resolve({ ms, body: text });
          else reject(new Error(`${method} ${url}${path}: HTTP ${res.statusCode} ${text.slice(0, 300)}`));
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
