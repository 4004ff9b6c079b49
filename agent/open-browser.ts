/**
 * `npm start` opens the dashboard in the user's browser, as a desktop app would show its window;
 * but only where someone sits at this machine's screen: never for a piped or scripted run, in
 * CI, over SSH (the browser would open on the remote screen), or with `--no-open`.
 */
import { spawn } from 'node:child_process';
import type { Logger } from 'pino';
import { childEnv } from './process/child-env';

export interface OpenContext {
  /** False with `--no-open`. */
  wanted: boolean;
  stdoutIsTTY: boolean;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
}

/** Why the browser is not opened, or null to open it. */
export function reasonNotToOpen({ wanted, stdoutIsTTY, env, platform }: OpenContext): string | null {
  if (!wanted) return '--no-open';
  if (!stdoutIsTTY) return 'the output is not a terminal';
  // CI=true, CI=1, CI=github…; CI=false and CI=0 say it is not.
  if (env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0') return 'running in CI';
  if (env.SSH_CONNECTION || env.SSH_TTY) return 'a remote (SSH) session';
  // Linux and the BSDs show windows only in an X11 or Wayland session; without one, xdg-open
  // would start a text browser in this very terminal.
  if (platform !== 'darwin' && platform !== 'win32' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return 'no graphical session';
  return null;
}

/** The command that hands a URL to the system's default browser. */
export function openCommand(platform: NodeJS.Platform, url: string): { command: string; args: string[] } {
  if (platform === 'darwin') return { command: 'open', args: [url] };
  // `start` is built into cmd; its first quoted argument is a window title, hence the empty one.
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""', url] };
  return { command: 'xdg-open', args: [url] };
}

/** Only the agent's own address, so nothing a shell (cmd on Windows) would read as syntax. */
const PLAIN_URL = /^https?:\/\/[A-Za-z0-9.\-[\]:]+\/$/;

/**
 * Opens `url` in a detached process the agent does not wait for; a failure (no browser, no
 * opener installed) is a log line, never an error: the URL is printed anyway.
 */
export function openBrowser(url: string, log: Logger, platform: NodeJS.Platform = process.platform): void {
  if (!PLAIN_URL.test(url)) {
    log.warn({ url }, 'not opening the browser: unexpected URL');
    return;
  }
  const { command, args } = openCommand(platform, url);
  try {
    const child = spawn(command, args, {
      detached: true,
      stdio: 'ignore',
      // The opener and the browser it may start never see the agent's token or broker secrets.
      env: childEnv(),
      // cmd parses its own command line: passed as written, `""` stays an empty title.
      windowsVerbatimArguments: platform === 'win32',
    });
    child.on('error', (error) => log.warn({ err: error, command }, 'could not open the browser'));
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) log.warn({ command, code }, 'could not open the browser');
    });
    child.unref();
  } catch (error) {
    log.warn({ err: error, command }, 'could not open the browser');
  }
}
