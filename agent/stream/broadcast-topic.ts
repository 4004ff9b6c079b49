/** A topic without a selection: every connection that subscribed gets every message published. */
import type { SubscribedOf, TopicDeclaration, UnsubscribedOf } from '../../shared/contract/stream';
import type { StreamPeer, TopicHandler } from './stream-core';

export interface BroadcastTopic<D extends TopicDeclaration> {
  handler: TopicHandler<D>;
  /** Whether anybody listens (so a message nobody gets is not even built). */
  readonly listened: boolean;
  publish(message: { type: string; [field: string]: unknown }): void;
}

export function broadcastTopic<D extends TopicDeclaration>(): BroadcastTopic<D> {
  const peers = new Set<StreamPeer>();
  return {
    handler: {
      open(peer) {
        return {
          subscribe() {
            peers.add(peer);
            // Such a topic answers its subscribe and unsubscribe with no fields.
            return {} as SubscribedOf<D>;
          },
          unsubscribe() {
            peers.delete(peer);
            return {} as UnsubscribedOf<D>;
          },
          close() {
            peers.delete(peer);
          },
        };
      },
    },
    get listened() {
      return peers.size > 0;
    },
    publish(message) {
      // Each peer gets its own object: a peer may add fields (an id) to what it sends.
      for (const peer of peers) peer.reply({ ...message });
    },
  };
}
