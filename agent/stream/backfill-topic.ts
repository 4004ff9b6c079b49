/** The `backfill` topic: progress of every history fetch, so a client can show a bar rather than a frozen chart. */
import type { BackfillProgress as Message, Topics } from '../../shared/contract/stream';
import type { BackfillProgress } from '../candles/backfill';
import { isoSecond } from '../candles/candle-query';
import type { StreamPeer, TopicHandler } from './stream-core';

export interface BackfillTopic {
  handler: TopicHandler<Topics['backfill']>;
  publish(progress: BackfillProgress): void;
}

export function backfillTopic(): BackfillTopic {
  const peers = new Set<StreamPeer>();
  return {
    handler: {
      open(peer) {
        return {
          subscribe() {
            peers.add(peer);
            return {};
          },
          unsubscribe() {
            peers.delete(peer);
            return {};
          },
          close() {
            peers.delete(peer);
          },
        };
      },
    },
    publish(progress) {
      if (peers.size === 0) return;
      const message: Message = { type: 'backfill', ...progress, from: isoSecond(progress.from), to: isoSecond(progress.to) };
      for (const peer of peers) peer.reply({ ...message });
    },
  };
}
