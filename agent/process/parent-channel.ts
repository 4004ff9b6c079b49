/** The hosted module's side of the process-host link for `child_process` children. */
import type { ParentChannel } from './process-host';

export function parentChannel(): ParentChannel {
  const send = process.send?.bind(process);
  if (!send) throw new Error('this module must be started by the agent (no parent channel)');
  // When the parent goes away the channel closes: a hosted process never outlives its agent.
  process.on('disconnect', () => process.exit(0));
  return {
    send(message) {
      if (process.connected) send(message);
    },
    onMessage(listener) {
      process.on('message', listener);
    },
  };
}
