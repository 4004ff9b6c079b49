/**
 * The hosted module's side of the process-host link: `process.send` under `child_process`,
 * `process.parentPort` under Electron's `utilityProcess`. Hosted code never needs to know which.
 */
import type { ParentChannel } from './process-host';

/** Electron adds this to `process` in a utility process (typed here to avoid importing electron). */
interface ElectronParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

export function parentChannel(): ParentChannel {
  const port = (process as unknown as { parentPort?: ElectronParentPort }).parentPort;
  if (port) {
    return {
      send: (message, onSent) => {
        port.postMessage(message);
        if (onSent) queueMicrotask(onSent);
      },
      onMessage: (listener) => port.on('message', (event) => listener(event.data)),
    };
  }
  const send = process.send?.bind(process);
  if (!send) throw new Error('this module must be started by the agent (no parent channel)');
  // When the parent goes away the channel closes: a hosted process never outlives its agent.
  process.on('disconnect', () => process.exit(0));
  return {
    send(message, onSent) {
      if (process.connected) send(message, undefined, undefined, onSent ? () => onSent() : undefined);
      else onSent?.();
    },
    onMessage(listener) {
      process.on('message', listener);
    },
  };
}
