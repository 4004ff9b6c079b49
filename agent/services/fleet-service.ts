/**
 * The fleet as a service: this agent's identity, the hub's registry and routing (the API's
 * `/api/v1/agents/:agentId/…` routes, the `tasks`, `logs` and `system` topics of any member, the
 * `fleet` topic), the join tokens, and, on a member, the link it dials to its hub.
 */
import type { Logger } from 'pino';
import type { Api } from '../../shared/contract/api';
import type { FleetMessage, Topics } from '../../shared/contract/stream';
import type { AgentInfo } from '../../shared/fleet';
import type { ApiCore } from '../api/api-core';
import type { AuditLog } from '../audit/audit-log';
import { Fleet, type SelfAgent } from '../fleet/fleet-hub';
import { FleetMember, linkUrl } from '../fleet/fleet-member';
import { FleetStore } from '../fleet/fleet-store';
import { memberDesk } from '../fleet/member-desk';
import { routedTopic } from '../fleet/routed-topic';
import type { AgentDb } from '../store/agent-db';
import type { StreamCore, TopicHandler } from '../stream/stream-core';
import { TurnBatch } from '../stream/turn-batch';
import type { TaskSupervisor } from '../tasks/task-supervisor';
import type { Service } from './service';
import type { SystemStatsSource } from './system-service';

export interface FleetJoin {
  /** The hub: `wss://hub.example.net:7420`. */
  url: string;
  token: string;
  /** A CA certificate (PEM) for a hub whose certificate no public authority signed. */
  ca?: string | Buffer;
}

export interface FleetServiceOptions {
  db: AgentDb;
  log: Logger;
  api: ApiCore<Api>;
  stream: StreamCore<Topics>;
  tasks: TaskSupervisor;
  system: SystemStatsSource;
  audit: AuditLog;
  self: SelfAgent;
  hub: boolean;
  /** A join token to accept (a hub started with `--join-token`); stored as its digest. */
  joinToken?: string;
  join?: FleetJoin;
  address: () => string | null;
  heartbeatMs?: number;
  memberBackoff?: { initialDelayMs: number; maxDelayMs: number };
}

/** The secret a hub gave this member, per hub address (a hub knows its members by it). */
const MEMBER_SECRET = 'fleet.memberSecret';

export interface FleetParts {
  fleet: Fleet;
  member: FleetMember | undefined;
}

export function fleetService(options: FleetServiceOptions): Service<FleetParts> {
  let fleet: Fleet | undefined;
  let member: FleetMember | undefined;
  return {
    name: 'fleet',
    start() {
      const store = new FleetStore(options.db.db);
      if (options.hub && options.joinToken) store.allowJoinToken(options.joinToken, 'given at start');
      const made = new Fleet({
        self: options.self,
        hub: options.hub,
        store,
        api: options.api,
        audit: options.audit,
        tasks: options.tasks,
        system: options.system,
        log: options.log,
        address: options.address,
        ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
        ...(options.hub ? { desk: memberDesk({ api: options.api, stream: options.stream, log: options.log }) } : {}),
      });
      fleet = made;
      if (options.join) {
        // Keyed by the hub's address as the link dials it, however the user spelled it.
        const secretKey = `${MEMBER_SECRET}:${linkUrl(options.join.url)}`;
        member = new FleetMember({
          hubUrl: options.join.url,
          joinToken: options.join.token,
          self: options.self,
          api: options.api,
          stream: options.stream,
          log: options.log,
          secret: {
            load: () => options.db.setting(secretKey),
            save: (secret) => options.db.saveSettings({ [secretKey]: secret }),
          },
          ...(options.join.ca ? { ca: options.join.ca } : {}),
          ...(options.memberBackoff ? { backoff: options.memberBackoff } : {}),
        });
      }
      const joined = member;
      options.api.provide({
        listAgents: () => ({ agents: made.agentsWithHistory() }),
        forgetAgent: ({ agentId }) => made.forget(agentId),
        getFleet: () => ({
          self: options.self,
          hub: options.hub,
          joinTokens: options.hub ? store.joinTokenCount() : 0,
          member: joined ? { hubUrl: options.join!.url, hub: joined.hub, state: joined.state, lastError: joined.lastError } : null,
        }),
        revokeJoinTokens: () => ({ revoked: store.revokeJoinTokens() }),
        createJoinToken: ({ label }) => {
          const made = store.newJoinToken(label ?? null);
          const address = options.address() ?? 'wss://this-hub:7420';
          return { ...made, join: `npm run agent -- --join ${address.replace(/^http/, 'ws')} --join-token ${made.token} --name NAME` };
        },
      });
      options.stream.provide({ fleet: fleetTopic(made) });
      for (const topic of ['tasks', 'logs', 'system'] as const) options.stream.wrap(topic, (handler) => routedTopic(topic, handler as TopicHandler<Topics[typeof topic]>, made) as never);
      return { fleet: made, member };
    },
    stop() {
      member?.stop();
      fleet?.close();
    },
  };
}

/** The `fleet` topic: agents that changed, batched into one message a turn of the event loop. */
function fleetTopic(fleet: Fleet): TopicHandler<Topics['fleet']> {
  return {
    open(peer) {
      let stop: (() => void) | undefined;
      const changed = new TurnBatch<AgentInfo>((agents) => peer.reply({ type: 'fleet', agents } satisfies FleetMessage));
      const end = () => {
        stop?.();
        stop = undefined;
        changed.clear();
      };
      return {
        subscribe() {
          stop ??= fleet.onChange((agent) => changed.add(agent.id, agent));
          return { agents: fleet.agents() };
        },
        unsubscribe() {
          end();
          return {};
        },
        close: end,
      };
    },
  };
}
