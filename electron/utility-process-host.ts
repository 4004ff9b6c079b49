/**
 * ProcessHost on Electron's utilityProcess: inside the desktop app, ticker workers and the
 * simulated market run as utility processes, so ticks never pass through the main process. The
 * shell passes `utilityProcess.fork` in; tests pass a stand-in with its interface.
 */
import type { UtilityProcess, utilityProcess } from 'electron';
import { childEnv } from '../agent/process/child-env';
import type { HostedProcess, ProcessHost, SpawnOptions } from '../agent/process/process-host';

export class UtilityProcessHost implements ProcessHost {
  constructor(private readonly fork: typeof utilityProcess.fork) {}

  spawn(modulePath: string, options: SpawnOptions): HostedProcess {
    const child: UtilityProcess = this.fork(modulePath, options.args ?? [], {
      serviceName: options.name,
      env: { ...childEnv(), ...options.env, ALGODECK_PROCESS: options.name },
      stdio: 'inherit',
      execArgv: options.nodeFlags ?? [],
    });
    let exited = false;
    let exitCode: number | null = null;
    const exitListeners: Array<(code: number | null, signal: string | null) => void> = [];
    child.on('exit', (code) => {
      exited = true;
      exitCode = code;
      for (const listener of exitListeners) listener(code, null);
    });
    return {
      get pid() {
        return child.pid;
      },
      send(message) {
        if (exited) return false;
        child.postMessage(message);
        return true;
      },
      onMessage(listener) {
        child.on('message', listener);
      },
      onExit(listener) {
        if (exited) listener(exitCode, null);
        else exitListeners.push(listener);
      },
      kill() {
        if (!exited) child.kill();
      },
    };
  }
}
