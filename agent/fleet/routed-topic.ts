/**
 * A stream topic that follows any agent of the fleet: a selection naming a member (`agent`) is
 * subscribed on that member through the hub's link, its replies and messages relayed back; one
 * naming no agent, or this one, goes to the local topic. Every message says which agent it is of.
 */
import type { Principal } from '../../shared/contract/scopes';
import { type TopicDeclaration, type Topics, topics } from '../../shared/contract/stream';
import { ApiError } from '../../shared/errors';
import type { StreamPeer, TopicHandler, TopicSession } from '../stream/stream-core';
import type { Fleet } from './fleet-hub';
import { knownCode } from './link-protocol';
import type { Tunnel } from './member-connection';

type Message = { type: string; [field: string]: unknown };

const REPLY_WAIT_MS = 10_000;

interface Remote {
  tunnel: Tunnel;
  waiting: Map<string, { resolve: (reply: Message) => void; reject: (error: ApiError) => void; timer: NodeJS.Timeout }>;
}

export function routedTopic<D extends TopicDeclaration>(topic: keyof Topics & string, local: TopicHandler<D>, fleet: Fleet): TopicHandler<D> {
  const relayed = new Set<string>(topics[topic].messages);
  return {
    open(peer: StreamPeer, principal: Principal | undefined) {
      let localSession: TopicSession<D> | undefined;
      const remotes = new Map<string, Remote>();
      let nextId = 1;
      const stamped = (agent: string): StreamPeer => ({ ...peer, reply: (message) => peer.reply({ ...message, agent }) });

      const remote = (id: string): Remote => {
        const open = remotes.get(id);
        if (open) return open;
        const connection = fleet.connection(id);
        const waiting: Remote['waiting'] = new Map();
        const tunnel = connection.openSession(
          fleet.linkPrincipal(principal),
          (message) => {
            const replyTo = typeof message.id === 'string' ? waiting.get(message.id) : undefined;
            if (replyTo) return replyTo.resolve(message);
            // Only what this topic sends is passed on, without an id: a member cannot make a
            // client take its messages for prices, for the fleet, or for replies to its requests.
            if (!relayed.has(message.type)) return;
            const { id: _id, ...rest } = message;
            peer.reply({ ...rest, agent: id });
          },
          () => {
            remotes.delete(id);
            const gone = new ApiError('agent_offline', `${connection.hello.name} went offline.`);
            for (const { timer, reject } of waiting.values()) {
              clearTimeout(timer);
              reject(gone);
            }
            waiting.clear();
            // The member went: the client hears it once, and follows the fleet topic for its return.
            peer.reply({ type: 'error', ...new ApiError('agent_offline', `${connection.hello.name} went offline: its ${topic} stopped.`).toBody(), agent: id });
          },
        );
        const made = { tunnel, waiting };
        remotes.set(id, made);
        return made;
      };

      const ask = (id: string, type: 'subscribe' | 'unsubscribe', selection: Record<string, unknown>): Promise<Message> => {
        const { tunnel, waiting } = remote(id);
        const requestId = `r${nextId++}`;
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            waiting.delete(requestId);
            reject(new ApiError('unavailable', `The agent did not answer the ${type} within ${REPLY_WAIT_MS / 1000} s.`));
          }, REPLY_WAIT_MS);
          waiting.set(requestId, {
            reject,
            resolve: (reply) => {
              clearTimeout(timer);
              waiting.delete(requestId);
              if (reply.type !== 'error') return resolve(reply);
              const error = reply.error as { code: string; message: string; field?: string };
              reject(new ApiError(knownCode(error.code), error.message, error.field === undefined ? {} : { field: error.field }));
            },
            timer,
          });
          tunnel.send({ type, topic, id: requestId, ...selection });
        });
      };

      const route = async (type: 'subscribe' | 'unsubscribe', selection: Record<string, unknown>) => {
        const { agent, ...rest } = selection;
        const target = typeof agent === 'string' ? fleet.resolve(agent) : 'self';
        if (target === 'self') {
          localSession ??= local.open(stamped(fleet.self.id), principal);
          return type === 'subscribe' ? localSession.subscribe(rest as never) : localSession.unsubscribe(rest as never);
        }
        const { type: _type, topic: _topic, id: _id, ...reply } = await ask(target, type, rest);
        return reply;
      };

      return {
        subscribe: (selection) => route('subscribe', selection as Record<string, unknown>) as never,
        unsubscribe: (selection) => route('unsubscribe', selection as Record<string, unknown>) as never,
        close() {
          localSession?.close();
          for (const { tunnel, waiting } of remotes.values()) {
            for (const { timer } of waiting.values()) clearTimeout(timer);
            tunnel.close();
          }
          remotes.clear();
        },
      };
    },
  };
}
