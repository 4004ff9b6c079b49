/**
 * The agent embedded in the desktop app. The shell starts this module in an Electron utility
 * process (a child process in tests) and talks to it over the process's parent channel:
 * - the shell sends `start` with the agent's options, the secrets it decrypted from the OS
 *   keychain, and why secrets cannot be stored (or null); the agent answers `ready` with its URL
 *   and token, or `failed` with the reason;
 * - the agent's processes (ticker workers, the simulated market) are started by the shell
 *   (`BrokeredProcessHost`), and its secret changes go to the shell to be stored;
 * - `stop` stops the agent and its processes, answered by `stopped`.
 */
import pino from 'pino';
import { type AgentOptions, type RunningAgent, startAgent } from './agent';
import { RelayedSecretStore } from './broker/relayed-secret-store';
import { BrokeredProcessHost, type HostRequest } from './process/brokered-process-host';
import { parentChannel } from './process/parent-channel';

export type EmbeddedOptions = Omit<AgentOptions, 'log'> & { logLevel?: string };

export type ShellMessage = { type: 'start'; options: EmbeddedOptions; secrets: Record<string, string>; secretRefusal: string | null } | { type: 'stop' };

/** `ready` carries the agent's owner token (given in the options, or its own from its data folder) for the shell's window. */
export type AgentMessage = { type: 'ready'; url: string; token: string } | { type: 'failed'; message: string } | { type: 'stopped' };

const channel = parentChannel();
let agent: RunningAgent | null = null;
let starting = false;

const host = new BrokeredProcessHost({ send: (message: HostRequest) => channel.send(message), onMessage: (listener) => channel.onMessage(listener) });

channel.onMessage((raw) => {
  const message = raw as Partial<ShellMessage> | null;
  if (message?.type === 'start' && !starting && agent === null) {
    starting = true;
    const { logLevel, ...options } = message.options ?? ({} as EmbeddedOptions);
    const secrets = new RelayedSecretStore(message.secrets ?? {}, message.secretRefusal ?? null, (change) => channel.send(change));
    startAgent({ ...options, log: pino({ level: logLevel ?? 'info' }) }, { processHost: host, secrets }).then(
      (running) => {
        agent = running;
        channel.send({ type: 'ready', url: running.url, token: running.token } satisfies AgentMessage);
      },
      (error: unknown) => {
        starting = false;
        channel.send({ type: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies AgentMessage);
      },
    );
  } else if (message?.type === 'stop') {
    void (agent?.stop() ?? Promise.resolve()).then(() => {
      channel.send({ type: 'stopped' } satisfies AgentMessage, () => process.exit(0));
    });
  }
});
