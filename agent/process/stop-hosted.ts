import type { HostedProcess } from './process-host';

/**
 * Asks a hosted process to stop (`{type:'stop'}`) and kills it if it has not ended within
 * `timeoutMs`; resolves once it has ended.
 */
export function stopHosted(proc: HostedProcess, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.onExit(() => {
      clearTimeout(timer);
      resolve();
    });
    if (!proc.send({ type: 'stop' })) proc.kill('SIGKILL');
  });
}
