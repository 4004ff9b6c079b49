/**
 * A ProcessHost for an agent that cannot start processes itself: the agent embedded in the
 * desktop app runs in an Electron utility process, and only the main process may start more of
 * them. Each spawn, message, kill and exit travels over the agent's channel to the shell, which
 * serves them with its own host (`serveProcessHost`, the utility-process host in the app). Only
 * control messages take this way: ticks go from a worker to the agent over their own tick link.
 */
import type { HostedProcess, ProcessHost, SpawnOptions } from './process-host';

/** What the agent asks of the shell. */
export type HostRequest =
  | { type: 'host-spawn'; id: number; modulePath: string; options: SpawnOptions }
  | { type: 'host-send'; id: number; message: unknown }
  | { type: 'host-kill'; id: number; signal?: NodeJS.Signals };

/** What the shell tells the agent about the processes it started for it. */
export type HostEvent =
  | { type: 'host-spawned'; id: number; pid: number | undefined }
  | { type: 'host-message'; id: number; message: unknown }
  | { type: 'host-exit'; id: number; code: number | null; signal: string | null };

export interface Channel<Out, In> {
  send(message: Out): void;
  onMessage(listener: (message: In) => void): void;
}

const HOST_EVENTS = new Set(['host-spawned', 'host-message', 'host-exit']);

export function isHostEvent(message: unknown): message is HostEvent {
  return typeof message === 'object' && message !== null && HOST_EVENTS.has((message as { type?: unknown }).type as string) && Number.isInteger((message as { id?: unknown }).id);
}

interface Hosted {
  pid: number | undefined;
  exited: { code: number | null; signal: string | null } | null;
  messageListeners: Array<(message: unknown) => void>;
  exitListeners: Array<(code: number | null, signal: string | null) => void>;
}

export class BrokeredProcessHost implements ProcessHost {
  private nextId = 1;
  private readonly hosted = new Map<number, Hosted>();

  /** `channel` carries other messages too: only host events are taken from it. */
  constructor(private readonly channel: Channel<HostRequest, unknown>) {
    channel.onMessage((message) => {
      if (isHostEvent(message)) this.onEvent(message);
    });
  }

  spawn(modulePath: string, options: SpawnOptions): HostedProcess {
    const id = this.nextId++;
    const state: Hosted = { pid: undefined, exited: null, messageListeners: [], exitListeners: [] };
    this.hosted.set(id, state);
    this.channel.send({ type: 'host-spawn', id, modulePath, options });
    const channel = this.channel;
    return {
      get pid() {
        return state.pid;
      },
      send(message) {
        if (state.exited) return false;
        channel.send({ type: 'host-send', id, message });
        return true;
      },
      onMessage(listener) {
        state.messageListeners.push(listener);
      },
      onExit(listener) {
        if (state.exited) listener(state.exited.code, state.exited.signal);
        else state.exitListeners.push(listener);
      },
      kill(signal) {
        if (!state.exited) channel.send({ type: 'host-kill', id, ...(signal === undefined ? {} : { signal }) });
      },
    };
  }

  private onEvent(event: HostEvent): void {
    const state = this.hosted.get(event.id);
    if (!state || state.exited) return;
    if (event.type === 'host-spawned') state.pid = event.pid;
    else if (event.type === 'host-message') for (const listener of state.messageListeners) listener(event.message);
    else {
      state.exited = { code: event.code, signal: event.signal };
      this.hosted.delete(event.id);
      for (const listener of state.exitListeners) listener(event.code, event.signal);
    }
  }
}

/**
 * The shell's side: serves an agent's host requests with a real host. Requests that are not
 * well formed are ignored (the agent is ours, but a channel is no place to crash).
 */
export function serveProcessHost(channel: Channel<HostEvent, unknown>, host: ProcessHost): { stopAll(): void } {
  const processes = new Map<number, HostedProcess>();
  channel.onMessage((raw) => {
    const request = raw as Partial<HostRequest> | null;
    if (typeof request !== 'object' || request === null || !Number.isInteger(request.id)) return;
    const id = request.id!;
    if (request.type === 'host-spawn') {
      if (processes.has(id) || typeof request.modulePath !== 'string' || typeof request.options !== 'object' || request.options === null) return;
      const child = host.spawn(request.modulePath, request.options);
      processes.set(id, child);
      channel.send({ type: 'host-spawned', id, pid: child.pid });
      child.onMessage((message) => channel.send({ type: 'host-message', id, message }));
      child.onExit((code, signal) => {
        processes.delete(id);
        channel.send({ type: 'host-exit', id, code, signal });
      });
    } else if (request.type === 'host-send') processes.get(id)?.send(request.message);
    else if (request.type === 'host-kill') processes.get(id)?.kill(request.signal);
  });
  return {
    stopAll() {
      for (const child of processes.values()) child.kill();
    },
  };
}
