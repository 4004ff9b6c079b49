/**
 * PM2 as the fleet benchmark drives it: a daemon of its own whose home is a fresh temp folder
 * (never the user's ~/.pm2), through PM2's programmatic API, with nothing sent over the network,
 * and stopped for sure at the end.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Pm2Api from 'pm2';
import { sleep } from './bench-processes';

type Pm2 = typeof Pm2Api;

/**
 * Set before PM2 is loaded (it reads them at load time and passes them on to its daemon):
 * - PM2_DISABLE_VERSION_CHECK: no daily version check from the daemon (lib/Worker.js);
 * - PM2_NO_INTERACTION: no PM2.io (Keymetrics) agent launched with the daemon (lib/Client.js);
 * - PM2_DISCRETE_MODE: no "spawning" line, and the first-run marker file is written, so the
 *   install-time version check never runs (lib/Client.js; PM2_PROGRAMMATIC skips it too);
 * - PM2_SILENT, PM2_PROGRAMMATIC: nothing printed on our stdout, whose last line is the figures.
 */
const QUIET = {
  PM2_DISABLE_VERSION_CHECK: 'true',
  PM2_NO_INTERACTION: 'true',
  PM2_DISCRETE_MODE: 'true',
  PM2_SILENT: 'true',
  PM2_PROGRAMMATIC: 'true',
};

export interface Pm2Fleet {
  /** The "PM2 v… God Daemon" process, from PM2_HOME/pm2.pid. */
  daemonPid: number;
  /** Starts `script` as app `name`, restarted at once whenever it ends. */
  start(name: string, script: string, args: string[], cwd: string): Promise<void>;
  /** Restarts PM2 counted, by app name. */
  restarts(): Promise<Map<string, number>>;
  /** Kills the daemon and its apps, restores the environment and removes PM2_HOME. */
  close(): Promise<void>;
}

function call<T>(run: (done: (error: Error | null | undefined, value?: T) => void) => void, what: string, timeoutMs = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pm2 ${what}: no answer in ${timeoutMs} ms`)), timeoutMs);
    run((error, value) => {
      clearTimeout(timer);
      if (error) reject(error instanceof Error ? error : new Error(`pm2 ${what}: ${String(error)}`));
      else resolve(value as T);
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function startPm2(): Promise<Pm2Fleet> {
  const home = mkdtempSync(join(tmpdir(), 'algodeck-bench-pm2-'));
  const saved = Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('PM2_')));
  Object.assign(process.env, QUIET, { PM2_HOME: home });
  let pm2: Pm2 | undefined;
  let daemonPid = 0;
  const close = async () => {
    try {
      if (pm2) await call((done) => pm2!.killDaemon(done), 'killDaemon', 15_000);
    } catch {
      // the daemon is killed below
    }
    try {
      pm2?.disconnect();
    } catch {
      // not connected
    }
    if (daemonPid === 0) daemonPid = pidIn(home);
    for (let i = 0; i < 50 && daemonPid > 0 && alive(daemonPid); i++) await sleep(100);
    if (daemonPid > 0 && alive(daemonPid)) process.kill(daemonPid, 'SIGKILL');
    for (const name of Object.keys(process.env)) if (name.startsWith('PM2_') && !(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
    rmSync(home, { recursive: true, force: true });
  };
  try {
    // Loaded only now, with PM2_HOME set: PM2 fixes its paths when it is loaded.
    const loaded = (await import('pm2')) as Pm2 & { default?: Pm2 };
    pm2 = loaded.default ?? loaded;
    await call((done) => pm2!.connect(done), 'connect');
    daemonPid = pidIn(home);
    if (!readFileSync(`/proc/${daemonPid}/cmdline`, 'utf8').includes('God Daemon')) throw new Error(`pid ${daemonPid} in ${home}/pm2.pid is not PM2's daemon`);
  } catch (error) {
    await close();
    throw error;
  }
  const api = pm2;
  return {
    daemonPid,
    start: (name, script, args, cwd) =>
      // PM2's defaults otherwise (fork mode, its process container, min_uptime, max_restarts),
      // as a user running `pm2 start` gets them; restart_delay 0 restarts at once.
      call((done) => api.start({ name, script, args, cwd, autorestart: true, restart_delay: 0, exec_mode: 'fork', instances: 1 }, done), `start ${name}`).then(() => undefined),
    restarts: async () => {
      const list = await call<Pm2Api.ProcessDescription[]>((done) => api.list(done), 'list');
      return new Map(list.map((app) => [app.name ?? '', app.pm2_env?.restart_time ?? 0]));
    },
    close,
  };
}

function pidIn(home: string): number {
  try {
    return Number(readFileSync(join(home, 'pm2.pid'), 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
}
