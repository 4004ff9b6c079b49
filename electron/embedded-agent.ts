/**
 * The shell's side of the embedded agent: it starts `agent/embedded-main` in a process of its own
 * (Electron's utility process; a child process in tests), hands it its options and the secrets it
 * decrypted, starts the processes the agent asks for with its own host, stores the secrets the
 * agent changes, and stops it cleanly (killing it if it does not stop in time). No Electron here.
 */
import type { AgentMessage, EmbeddedOptions, ShellMessage } from '../agent/embedded-main';
import type { SecretChange } from '../agent/broker/relayed-secret-store';
import { type HostEvent, serveProcessHost } from '../agent/process/brokered-process-host';
import type { ProcessHost } from '../agent/process/process-host';
import type { SecretFile } from './safe-secret-file';

/** The agent's process, as the shell holds it. */
export interface AgentProcess {
  post(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
}

export type EmbeddedState = { state: 'starting' } | { state: 'ready'; url: string; token: string } | { state: 'failed'; problem: string } | { state: 'stopped' };

export class EmbeddedAgent {
  private current: EmbeddedState = { state: 'starting' };
  private readonly listeners = new Set<(state: EmbeddedState) => void>();
  private readonly hosted: { stopAll(): void };
  private readonly exited: Promise<number | null>;

  /**
   * @param child the agent's process, just started
   * @param options the agent's options (its data folder, port, workers…)
   * @param secrets the keychain's file of the agent's secrets
   * @param host starts the processes the agent asks for (ticker workers, the simulated market)
   * @param log told what went wrong that nobody asked about (a secret that could not be stored)
   */
  constructor(
    private readonly child: AgentProcess,
    options: EmbeddedOptions,
    private readonly secrets: SecretFile,
    host: ProcessHost,
    private readonly log: (message: string) => void = () => undefined,
  ) {
    this.hosted = serveProcessHost({ send: (event: HostEvent) => child.post(event), onMessage: (listener) => child.onMessage(listener) }, host);
    this.exited = new Promise((resolve) => child.onExit(resolve));
    void this.exited.then((code) => {
      this.hosted.stopAll();
      if (this.current.state !== 'stopped') this.set({ state: 'failed', problem: `The agent stopped unexpectedly (exit code ${code ?? 'none'}).` });
    });
    child.onMessage((raw) => this.onMessage(raw));
    child.post({ type: 'start', options, secrets: secrets.readAll(), secretRefusal: secrets.problem() } satisfies ShellMessage);
  }

  get state(): EmbeddedState {
    return this.current;
  }

  /** Called with every change of state; returns the removal. */
  onChange(listener: (state: EmbeddedState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once the agent is ready, or rejects with why it is not. */
  ready(): Promise<{ url: string; token: string }> {
    return new Promise((resolve, reject) => {
      const check = (state: EmbeddedState) => {
        if (state.state === 'starting') return false;
        if (state.state === 'ready') resolve({ url: state.url, token: state.token });
        else reject(new Error(state.state === 'failed' ? state.problem : 'The agent was stopped.'));
        return true;
      };
      if (check(this.current)) return;
      const off = this.onChange((state) => check(state) && off());
    });
  }

  /** Stops the agent and its processes; kills it after `timeoutMs`. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.current.state === 'stopped') return;
    this.set({ state: 'stopped' });
    this.child.post({ type: 'stop' } satisfies ShellMessage);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
    if ((await Promise.race([this.exited, late])) === 'late') {
      this.log(`the agent did not stop within ${timeoutMs} ms: killed`);
      this.child.kill();
      this.hosted.stopAll();
    }
    clearTimeout(timer);
  }

  private onMessage(raw: unknown): void {
    const message = raw as Partial<AgentMessage | SecretChange> | null;
    if (typeof message !== 'object' || message === null) return;
    if (message.type === 'ready' && this.current.state === 'starting') {
      const { url, token } = message as Extract<AgentMessage, { type: 'ready' }>;
      this.set({ state: 'ready', url, token });
    } else if (message.type === 'failed' && this.current.state === 'starting') {
      this.set({ state: 'failed', problem: String((message as { message?: unknown }).message) });
    } else if (message.type === 'secret-set' || message.type === 'secret-delete') {
      const change = message as SecretChange;
      try {
        if (change.type === 'secret-set') this.secrets.set(change.name, change.value);
        else this.secrets.delete(change.name);
      } catch (error) {
        // The agent checked the keychain before changing anything; this is a disk failure.
        this.log(`the secret "${change.name}" could not be stored: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  private set(state: EmbeddedState): void {
    this.current = state;
    for (const listener of this.listeners) listener(state);
  }
}
