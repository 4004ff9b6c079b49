/**
 * The fleet as this agent sees it: itself, and on a hub every member that joined, online or not.
 * A hub accepts members' links (a join token, a hello naming the agent), keeps their statistics
 * and tasks, and routes API calls and stream sessions to them. Every routed command is written
 * to the hub's audit log; the member writes its own.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Api } from '../../shared/contract/api';
import { PreparedJson } from '../../shared/contract/method';
import type { Principal } from '../../shared/contract/scopes';
import { ApiError } from '../../shared/errors';
import { type AgentInfo, type AgentWithHistory, FLEET_LINK_PATH, FLEET_LINK_PROTOCOL, headlineFigures } from '../../shared/fleet';
import type { ApiCore } from '../api/api-core';
import type { CallContext } from '../../shared/contract/method';
import type { AuditLog } from '../audit/audit-log';
import { whoIs } from '../audit/audit-log';
import { bearerToken } from '../server/auth';
import type { SystemStatsSource } from '../services/system-service';
import type { TaskSupervisor } from '../tasks/task-supervisor';
import { decodeLink, encodeLink, type Hello, helloSchema, LINK_CLOSE, type LinkPrincipal, type MemberMessage, memberMessageSchema } from './link-protocol';
import { MemberConnection, offline } from './member-connection';
import type { FleetStore, StoredMember } from './fleet-store';

export interface SelfAgent {
  id: string;
  name: string;
  labels: Record<string, string>;
  version: string;
}

export interface FleetOptions {
  self: SelfAgent;
  /** Whether members may join this agent. */
  hub: boolean;
  store: FleetStore;
  api: ApiCore<Api>;
  audit: AuditLog;
  tasks: TaskSupervisor;
  system: SystemStatsSource;
  log: Logger;
  /** The agent's own address, shown for the hub's entry. */
  address: () => string | null;
  /** Between pings of a member; two missed and it is offline (default 5 s). */
  heartbeatMs?: number;
  /** Where members' asks go (their algos' orders at the risk manager); absent, an ask is a violation. */
  desk?: MemberDesk;
}

/** The hub's side of members' asks: see `member-desk.ts`. */
export interface MemberDesk {
  /** A member linked: its algos' order and risk events start flowing to it. */
  linked(connection: MemberConnection): void;
  ask(connection: MemberConnection, ask: Extract<MemberMessage, { t: 'ask' }>): void;
}

/** Methods about the caller's own browser or the broker's redirect: never routed. */
const LOCAL_ONLY = new Set(['signIn', 'getSession', 'signOut', 'setPassword', 'kiteLoginCallback']);
const HELLO_WAIT_MS = 5000;

export class Fleet {
  private readonly members = new Map<string, MemberConnection>();
  private readonly stored = new Map<string, StoredMember>();
  private readonly reasons = new Map<string, string>();
  private readonly alive = new WeakSet<WebSocket>();
  private readonly listeners = new Set<(agent: AgentInfo) => void>();
  private readonly forgetListeners = new Set<(agentId: string) => void>();
  private readonly wss: WebSocketServer | undefined;
  private readonly heartbeat: NodeJS.Timeout | undefined;
  private readonly stopSampling: () => void;
  private closed = false;

  constructor(private readonly options: FleetOptions) {
    for (const member of options.store.members()) this.stored.set(member.id, member);
    this.stopSampling = options.system.onSample(() => this.emit(this.selfInfo()));
    if (options.hub) {
      this.wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 32 * 1024 * 1024, handleProtocols: (protocols) => (protocols.has(FLEET_LINK_PROTOCOL) ? FLEET_LINK_PROTOCOL : false) });
      this.heartbeat = setInterval(() => this.sweep(), options.heartbeatMs ?? 5000);
      this.heartbeat.unref();
    }
  }

  get self(): SelfAgent {
    return this.options.self;
  }

  get isHub(): boolean {
    return this.options.hub;
  }

  /** Calls `listener` with the id of each member forgotten from now on. */
  onForget(listener: (agentId: string) => void): void {
    this.forgetListeners.add(listener);
  }

  onChange(listener: (agent: AgentInfo) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every agent: this one first, then the members by when they joined. */
  agents(): AgentInfo[] {
    return [this.selfInfo(), ...[...this.stored.values()].map((member) => this.memberInfo(member))];
  }

  agentsWithHistory(): AgentWithHistory[] {
    return [
      { ...this.selfInfo(), history: this.options.system.history() },
      ...[...this.stored.values()].map((member) => ({ ...this.memberInfo(member), history: this.members.get(member.id)?.history.history() ?? null })),
    ];
  }

  /** The agent named by `ref` (its id, or its name in any case): `self`, or a member's id. */
  resolve(ref: string): 'self' | string {
    if (ref === this.options.self.id || ref.toLowerCase() === this.options.self.name.toLowerCase()) return 'self';
    if (this.stored.has(ref)) return ref;
    for (const member of this.stored.values()) if (member.name.toLowerCase() === ref.toLowerCase()) return member.id;
    throw new ApiError('not_found', `No agent "${ref}" in this fleet.`, { field: 'agentId' });
  }

  /** A live link to member `id`, or the `agent_offline` error. */
  connection(id: string): MemberConnection {
    const connection = this.members.get(id);
    if (connection?.isOpen) return connection;
    const member = this.stored.get(id);
    throw offline(member?.name ?? id, member ? new Date(member.lastSeen).toISOString() : null);
  }

  /** The principal a member acts for: the caller's, but a task's token is its own agent's only. */
  linkPrincipal(principal: Principal | undefined): LinkPrincipal {
    if (!principal) throw new ApiError('unauthorized', 'Missing or wrong token.');
    if (principal.kind === 'task') throw new ApiError('forbidden', "A task's token acts on its own agent only.");
    return principal.kind === 'session' ? { kind: 'session', sessionId: 'hub' } : principal;
  }

  /** Runs API method `name` on agent `ref` for `principal` (`/api/v1/agents/:agentId/…`). */
  async route(ref: string, name: string, input: unknown, principal: Principal | undefined, http: CallContext['http']): Promise<unknown> {
    if (!this.options.api.has(name) || LOCAL_ONLY.has(name)) throw new ApiError('not_found', `${name} is not routed to other agents.`);
    const target = this.resolve(ref);
    if (target === 'self') return this.options.api.call(name, input, principal, http);
    const linkPrincipal = this.linkPrincipal(principal);
    if (!this.options.api.mayCall(name, principal)) throw new ApiError('forbidden', 'This token may not do that.');
    const declaration = this.options.api.table[name]!;
    const member = this.stored.get(target)!;
    const started = performance.now();
    const audit = (result: string, status: number) => {
      if (declaration.method === 'GET') return;
      this.options.audit.write({
        who: whoIs(principal),
        address: http?.address ?? null,
        agent: member.name,
        method: name,
        route: `${declaration.method} /api/v1/agents/${member.id}${declaration.path.slice('/api/v1'.length)}`,
        input,
        result,
        status,
        durationMs: performance.now() - started,
      });
    };
    try {
      const answer = await this.connection(target).call(name, input, linkPrincipal, `hub ${this.options.self.name} for ${whoIs(principal)}`);
      audit('ok', declaration.status ?? 200);
      return answer.json !== undefined ? new PreparedJson(new TextEncoder().encode(answer.json)) : answer.value;
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError('internal', 'Routing the call failed.');
      audit(apiError.code, apiError.status);
      throw apiError;
    }
  }

  /** Wire to the HTTP server's upgrades of the link path (a hub only). */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    if (!this.wss || (request.url ?? '').split('?')[0] !== FLEET_LINK_PATH) return false;
    socket.on('error', () => socket.destroy());
    if (!this.options.store.isJoinToken(bearerToken(request.headers.authorization))) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', () => socket.destroy());
      return true;
    }
    const address = request.socket.remoteAddress ?? null;
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, address));
    return true;
  }

  forget(ref: string): { forgotten: string } {
    const id = this.resolve(ref);
    if (id === 'self') throw new ApiError('invalid_request', 'The hub cannot forget itself.', { field: 'agentId' });
    if (this.members.get(id)?.isOpen) throw new ApiError('conflict', `${this.stored.get(id)!.name} is online: stop it first, or it joins again.`, { field: 'agentId' });
    this.options.store.forget(id);
    this.stored.delete(id);
    for (const listener of this.forgetListeners) listener(id);
    return { forgotten: id };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.stopSampling();
    for (const connection of this.members.values()) {
      connection.ws.close(LINK_CLOSE.goingAway, 'the hub is stopping');
      connection.closed();
    }
    this.wss?.close();
  }

  private accept(ws: WebSocket, address: string | null): void {
    const timer = setTimeout(() => ws.close(LINK_CLOSE.violation, 'no hello'), HELLO_WAIT_MS);
    ws.on('error', (error) => this.options.log.debug({ err: error }, 'fleet link error'));
    ws.once('message', (data) => {
      clearTimeout(timer);
      let hello: Hello;
      try {
        hello = helloSchema.parse(decodeLink(String(data)));
      } catch {
        return ws.close(LINK_CLOSE.violation, 'the first message must be a valid hello');
      }
      if (hello.id === this.options.self.id) return ws.close(LINK_CLOSE.conflict, 'this is the hub itself');
      try {
        this.join(ws, hello, address);
      } catch (error) {
        ws.close(LINK_CLOSE.conflict, (error as Error).message.slice(0, 120));
      }
    });
  }

  private join(ws: WebSocket, hello: Hello, address: string | null): void {
    const now = Date.now();
    // An id is its member's: a second agent with a join token cannot take another's place.
    const secretCheck = this.options.store.memberSecretMatches(hello.id, hello.secret);
    if (!secretCheck.ok) throw new Error(`the agent ${hello.id} joined before with a secret this one does not hold`);
    const stored = this.options.store.join({ id: hello.id, name: hello.name, labels: hello.labels, address, version: hello.version, lastSeen: now });
    const secret = secretCheck.known ? undefined : this.options.store.issueSecret(hello.id);
    // The same agent again (a network cut the hub had not noticed yet): the new link wins.
    const previous = this.members.get(hello.id);
    if (previous) {
      previous.ws.terminate();
      previous.closed();
    }
    this.stored.set(hello.id, stored);
    this.reasons.delete(hello.id);
    const connection = new MemberConnection(ws, hello, address, () => this.emitMember(hello.id));
    this.members.set(hello.id, connection);
    this.alive.add(ws);
    ws.send(encodeLink({ t: 'welcome', hub: { id: this.options.self.id, name: this.options.self.name }, ...(secret === undefined ? {} : { secret }) }));
    this.options.desk?.linked(connection);
    ws.on('pong', () => this.alive.add(ws));
    ws.on('message', (data) => {
      let message;
      try {
        message = memberMessageSchema.parse(decodeLink(String(data)));
      } catch {
        // A member only answers: anything else is a broken or hostile member, and the link ends.
        this.options.log.warn({ agent: hello.name }, 'a member sent a message the link does not allow; its link is closed');
        return ws.close(LINK_CLOSE.violation, 'a message the link does not allow');
      }
      this.alive.add(ws);
      if (message.t === 'saved') return this.options.store.secretSaved(hello.id);
      try {
        if (message.t === 'ask') {
          if (!this.options.desk) throw new Error('this hub takes no asks');
          return this.options.desk.ask(connection, message);
        }
        connection.receive(message);
      } catch (error) {
        // Whatever a member sends, the hub stays up: the link of one that sends nonsense ends.
        this.options.log.warn({ agent: hello.name, err: error }, 'a member sent a message the hub could not take; its link is closed');
        ws.close(LINK_CLOSE.violation, 'a message the hub could not take');
      }
    });
    ws.on('close', (code, reason) => {
      connection.closed();
      if (this.members.get(hello.id) !== connection) return;
      this.members.delete(hello.id);
      const at = Date.now();
      this.options.store.seen(hello.id, at);
      this.stored.set(hello.id, { ...this.stored.get(hello.id)!, lastSeen: at });
      // A reason the hub gave (no answer to pings) stands over what the socket saw of it.
      if (!this.reasons.has(hello.id)) this.reasons.set(hello.id, reason.length > 0 ? reason.toString() : code === 1006 ? 'the link was cut' : 'the link closed');
      this.options.log.info({ agent: hello.name, code }, 'a fleet member went offline');
      this.emitMember(hello.id);
    });
    this.options.log.info({ agent: hello.name, address, version: hello.version }, 'a fleet member joined');
    this.emitMember(hello.id);
  }

  /** Ends links that stopped answering pings (a vanished instance, a dead NAT entry). */
  private sweep(): void {
    for (const [id, connection] of this.members) {
      if (!this.alive.has(connection.ws)) {
        this.reasons.set(id, 'no answer to pings');
        connection.ws.terminate();
        continue;
      }
      this.alive.delete(connection.ws);
      connection.ws.ping();
      const member = this.stored.get(id);
      if (member) {
        const at = Date.now();
        this.stored.set(id, { ...member, lastSeen: at });
        this.options.store.seen(id, at);
      }
    }
  }

  private selfInfo(): AgentInfo {
    const tasks = this.options.tasks.list();
    return {
      id: this.options.self.id,
      name: this.options.self.name,
      status: 'online',
      hub: this.options.hub,
      labels: this.options.self.labels,
      address: this.options.address(),
      version: this.options.self.version,
      lastSeen: new Date().toISOString(),
      joinedAt: null,
      system: this.options.system.latest(),
      ...headlineFigures(this.options.system.latest()),
      tasks: { total: tasks.length, running: tasks.filter((t) => t.state === 'running').length, errored: tasks.filter((t) => t.state === 'errored').length },
      reason: null,
    };
  }

  private memberInfo(member: StoredMember): AgentInfo {
    const connection = this.members.get(member.id);
    const online = connection?.isOpen === true;
    return {
      id: member.id,
      name: member.name,
      status: online ? 'online' : 'offline',
      hub: false,
      labels: member.labels,
      address: member.address,
      version: member.version,
      lastSeen: new Date(online ? Date.now() : member.lastSeen).toISOString(),
      joinedAt: new Date(member.joined).toISOString(),
      system: connection?.system ?? null,
      ...headlineFigures(connection?.system ?? null),
      tasks: connection?.taskCounts() ?? { total: 0, running: 0, errored: 0 },
      reason: online ? null : (this.reasons.get(member.id) ?? 'not connected since the hub started'),
    };
  }

  private emitMember(id: string): void {
    const member = this.stored.get(id);
    if (member) this.emit(this.memberInfo(member));
  }

  private emit(agent: AgentInfo): void {
    for (const listener of this.listeners) listener(agent);
  }
}
