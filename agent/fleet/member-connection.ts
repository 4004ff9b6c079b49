/**
 * The hub's side of one member's link: calls to its API with their pending answers, stream
 * sessions tunnelled to it, and its latest statistics and tasks (from a session the hub keeps
 * open on the member's `system` and `tasks` topics). Everything pending fails at once with
 * `agent_offline` when the link goes.
 */
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { ApiError } from '../../shared/errors';
import type { AgentInfo } from '../../shared/fleet';
import type { SystemSample } from '../../shared/system';
import type { TaskInfo } from '../../shared/task';
import { StatsHistory } from '../system/stats-history';
import { encodeLink, type Hello, knownCode, type LinkPrincipal, type MemberMessage } from './link-protocol';

export interface Tunnel {
  send(message: Record<string, unknown>): void;
  close(): void;
}

interface Pending {
  resolve: (value: { value?: unknown; json?: string }) => void;
  reject: (error: ApiError) => void;
  timer: NodeJS.Timeout;
}

interface Session {
  onMessage: (message: { type: string; [field: string]: unknown }) => void;
  onClosed: () => void;
}

const figure = z.number().finite();
/** What the hub reads of a member's statistics (the rest is passed on as it came). */
const feedSample = z.looseObject({
  at: z.string().max(40),
  hostname: z.string().max(255),
  platform: z.string().max(32),
  load: z.array(figure).length(3),
  uptimeSeconds: figure,
  agent: z.looseObject({ version: z.string().max(64) }),
  cpu: z.looseObject({ percent: figure }),
  memory: z.looseObject({ percent: figure, usedMb: figure, totalMb: figure }),
  disk: z.looseObject({ percent: figure }).nullable(),
  network: z.looseObject({ rxBytesPerSecond: figure, txBytesPerSecond: figure }),
});
const feedTasks = z.array(z.looseObject({ id: z.string().max(64), state: z.string().max(32) })).max(10_000);

/** How long the hub waits for a member's answer to a call (a task's stop may wait out its grace). */
export const CALL_TIMEOUT_MS = 11 * 60_000;

export class MemberConnection {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly sessions = new Map<number, Session>();
  readonly history = new StatsHistory(300);
  system: SystemSample | null = null;
  private readonly tasks = new Map<string, TaskInfo>();
  private open = true;
  private readonly closers: Array<() => void> = [];

  constructor(
    readonly ws: WebSocket,
    readonly hello: Hello,
    readonly address: string | null,
    private readonly changed: () => void,
  ) {
    // The hub's own view of the member: its statistics and tasks, as they change.
    const feed = this.openSession({ kind: 'owner' }, (message) => this.onFeed(message), () => undefined);
    feed.send({ type: 'subscribe', topic: 'system' });
    feed.send({ type: 'subscribe', topic: 'tasks' });
  }

  get isOpen(): boolean {
    return this.open;
  }

  taskCounts(): AgentInfo['tasks'] {
    let running = 0;
    let errored = 0;
    for (const task of this.tasks.values()) {
      if (task.state === 'running') running++;
      if (task.state === 'errored') errored++;
    }
    return { total: this.tasks.size, running, errored };
  }

  /** Runs an API method on the member; its answer, or its error. */
  call(method: string, input: unknown, principal: LinkPrincipal, who: string, timeoutMs = CALL_TIMEOUT_MS): Promise<{ value?: unknown; json?: string }> {
    if (!this.open) return Promise.reject(offline(this.hello.name));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ApiError('unavailable', `${this.hello.name} did not answer within ${Math.round(timeoutMs / 1000)} s.`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.ws.send(encodeLink({ t: 'call', id, method, input, principal, who }));
    });
  }

  /** A stream session on the member; its messages come to `onMessage` until it or the link closes. */
  openSession(principal: LinkPrincipal, onMessage: Session['onMessage'], onClosed: () => void): Tunnel {
    const sid = this.nextId++;
    if (!this.open) {
      queueMicrotask(onClosed);
      return { send: () => undefined, close: () => undefined };
    }
    this.sessions.set(sid, { onMessage, onClosed });
    this.ws.send(encodeLink({ t: 'open', sid, principal }));
    return {
      send: (message) => {
        if (this.open && this.sessions.has(sid)) this.ws.send(encodeLink({ t: 'in', sid, m: message }));
      },
      close: () => {
        if (this.sessions.delete(sid) && this.open) this.ws.send(encodeLink({ t: 'close', sid }));
      },
    };
  }

  /** Answers a member's `ask`. */
  answer(id: number, body: { ok: true; value: unknown } | { ok: false; error: ReturnType<ApiError['toBody']>['error'] }): void {
    if (this.open) this.ws.send(encodeLink({ t: 'answer', id, ...body }));
  }

  /** Sends the member an event of its algos (prepared JSON text of an `orders` or `risk_state` message). */
  pushEvent(json: string): void {
    if (this.open) this.ws.send(`{"t":"event","m":${json}}`);
  }

  /** Runs `fn` once the link is gone (at once if it already is). */
  whenClosed(fn: () => void): void {
    if (!this.open) return fn();
    this.closers.push(fn);
  }

  /** A message of the member, already validated. */
  receive(message: Exclude<MemberMessage, { t: 'saved' } | { t: 'ask' }>): void {
    if (message.t === 'msg') {
      this.sessions.get(message.sid)?.onMessage(message.m);
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    clearTimeout(pending.timer);
    if (message.ok) pending.resolve({ value: message.value, ...(message.json === undefined ? {} : { json: message.json }) });
    else {
      const { code, message: text, field, details } = message.error;
      pending.reject(new ApiError(knownCode(code), text, { ...(field === undefined ? {} : { field }), ...(details === undefined ? {} : { details }) }));
    }
  }

  /** The link is gone: every call and session fails now, not at its timeout. */
  closed(): void {
    if (!this.open) return;
    this.open = false;
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(offline(this.hello.name));
    }
    this.pending.clear();
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    for (const session of sessions) session.onClosed();
    for (const fn of this.closers.splice(0)) fn();
  }

  /** The member's own feed, checked before it is kept: it comes from another machine. */
  private onFeed(message: { type: string; [field: string]: unknown }): void {
    if (message.type === 'system') {
      const sample = feedSample.parse(message.sample) as unknown as SystemSample;
      this.system = sample;
      this.history.push(sample);
      this.changed();
    } else if ((message.type === 'subscribed' && message.topic === 'tasks') || message.type === 'tasks') {
      for (const task of feedTasks.parse(message.tasks) as unknown as TaskInfo[]) this.tasks.set(task.id, task);
      if (message.type === 'subscribed') this.changed();
    } else if (message.type === 'task_removed' && typeof message.id === 'string') {
      this.tasks.delete(message.id);
    }
  }
}

export function offline(name: string, since?: string | null): ApiError {
  return new ApiError('agent_offline', `${name} is offline${since ? ` (last seen ${since})` : ''}: it is not connected to this hub, so nothing was done.`);
}
