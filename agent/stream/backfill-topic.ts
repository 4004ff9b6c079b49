/** The `backfill` topic: progress of every history fetch, so a client can show a bar rather than a frozen chart. */
import type { BackfillProgress as Message, Topics } from '../../shared/contract/stream';
import type { BackfillProgress } from '../candles/backfill';
import { isoSecond } from '../candles/candle-query';
import { broadcastTopic } from './broadcast-topic';
import type { TopicHandler } from './stream-core';

export interface BackfillTopic {
  handler: TopicHandler<Topics['backfill']>;
  publish(progress: BackfillProgress): void;
}

export function backfillTopic(): BackfillTopic {
  const topic = broadcastTopic<Topics['backfill']>();
  return {
    handler: topic.handler,
    publish(progress) {
      if (!topic.listened) return;
      topic.publish({ type: 'backfill', ...progress, from: isoSecond(progress.from), to: isoSecond(progress.to) } satisfies Message);
    },
  };
}
