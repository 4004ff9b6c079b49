/** ProcessHost on `child_process.fork`, with structured-clone (advanced) serialization. */
import { fork } from 'node:child_process';
import { childEnv } from './child-env';
import type { HostedProcess, ProcessHost, SpawnOptions } from './process-host';

/** A .ts entry runs through the same TypeScript loader as the agent itself. */
function execArgvFor(modulePath: string): string[] {
  return modulePath.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [];
}

export class ChildProcessHost implements ProcessHost {
  spawn(modulePath: string, options: SpawnOptions): HostedProcess {
    const child = fork(modulePath, options.args ?? [], {
      execArgv: [...execArgvFor(modulePath), ...(options.nodeFlags ?? [])],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...childEnv(), ...options.env, ALGODECK_PROCESS: options.name },
    });
    let exited = false;
    const exitListeners: Array<(code: number | null, signal: string | null) => void> = [];
    const finish = (code: number | null, signal: string | null) => {
      if (exited) return;
      exited = true;
      for (const listener of exitListeners) listener(code, signal);
    };
    child.on('exit', finish);
    // A failed spawn emits 'error' and may never emit 'exit'.
    child.on('error', () => {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
        finish(child.exitCode, child.signalCode);
      }
    });
    return {
      get pid() {
        return child.pid;
      },
      send(message) {
        if (exited || !child.connected) return false;
        try {
          return child.send(message as object);
        } catch {
          return false;
        }
      },
      onMessage(listener) {
        child.on('message', listener);
      },
      onExit(listener) {
        if (exited) listener(child.exitCode, child.signalCode);
        else exitListeners.push(listener);
      },
      kill(signal = 'SIGTERM') {
        if (!exited) child.kill(signal);
      },
    };
  }
}
