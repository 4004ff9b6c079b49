/**
 * `npm start`: the desktop app where its runtime is installed (or can be, on first run) and there
 * is a display; otherwise the agent alone with the cockpit in the browser, and one line saying
 * why. `npm run desktop` (`--desktop`) insists on the app. Plain Node: this runs before, and
 * without, Electron.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Launch = { kind: 'desktop' } | { kind: 'browser'; why: string };

export interface LaunchInput {
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
}

/** Whether to try the desktop app at all, before looking for its runtime. */
export function chooseLaunch({ args, env, platform }: LaunchInput): Launch {
  if (args.includes('--desktop')) return { kind: 'desktop' };
  if (args.includes('--browser')) return { kind: 'browser', why: 'asked for with --browser' };
  if (env.CI) return { kind: 'browser', why: 'running in CI' };
  if (env.SSH_CONNECTION && !env.DISPLAY) return { kind: 'browser', why: 'an SSH session has no display' };
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return { kind: 'browser', why: 'no display (DISPLAY and WAYLAND_DISPLAY are unset)' };
  return { kind: 'desktop' };
}

/** The Electron binary's path, or why there is none. */
export function electronBinary(resolve: (id: string) => unknown = createRequire(import.meta.url)): { path: string } | { problem: string } {
  try {
    const path = resolve('electron');
    if (typeof path === 'string' && existsSync(path)) return { path };
    return { problem: 'its binary is missing' };
  } catch (error) {
    return { problem: error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error) };
  }
}

/**
 * Runs the app or the agent and passes each signal on exactly once. The child has a process group
 * of its own: a signal sent to the launcher's group (Ctrl-C at a terminal, npm stopping a script)
 * would otherwise reach it twice, and the agent takes a second Ctrl-C as "stop at once".
 */
function run(command: string, args: string[]): void {
  const child = spawn(command, args, { stdio: 'inherit', detached: true });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

function main(): void {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const args = process.argv.slice(2).filter((arg) => arg !== '--browser' && arg !== '--desktop');
  const insist = process.argv.includes('--desktop');
  const choice = chooseLaunch({ args: process.argv.slice(2), env: process.env, platform: process.platform });
  let why = choice.kind === 'browser' ? choice.why : '';
  if (choice.kind === 'desktop') {
    let binary = electronBinary();
    if ('problem' in binary) {
      // The runtime downloads on first run (npm does not run its install script).
      process.stdout.write('Installing the desktop runtime (Electron), once…\n');
      const installer = join(root, 'node_modules', 'electron', 'install.js');
      if (existsSync(installer)) spawnSync(process.execPath, [installer], { stdio: 'inherit', cwd: join(root, 'node_modules', 'electron') });
      binary = electronBinary();
    }
    if ('path' in binary) {
      run(binary.path, [root, ...args]);
      return;
    }
    why = `the desktop runtime is not installed (${binary.problem})`;
    if (insist) {
      process.stderr.write(`AlgoDeck: the desktop app cannot start: ${why}. Allow Electron's install script, or run \`npm start\` for the cockpit in the browser.\n`);
      process.exit(1);
    }
  }
  process.stdout.write(`AlgoDeck: opening the cockpit in the browser: ${why}.\n`);
  // The cockpit's agent is the fleet's hub, as the desktop app's is (unless it is told to join one).
  const hub = args.includes('--join') || args.includes('--hub') ? [] : ['--hub'];
  run(process.execPath, ['--max-semi-space-size=2', join(root, 'dist', 'agent', 'cli.mjs'), ...hub, ...args]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
