/**
 * A reference-counted watch of one stream topic, shared by the stores that follow one: the first
 * watcher listens to the stream's messages and reconnects and subscribes (then `started`, so
 * a load after the subscribe misses nothing); the last one to leave stops listening and
 * unsubscribes. Releasing twice is harmless.
 */
import type { ServerMessage, TopicName } from '../../../shared/contract/stream';
import type { AgentConnection } from '../agent/agent-connection';

export interface TopicWatchHooks {
  message(message: ServerMessage): void;
  /** The stream came back, its subscriptions made again: reload what may have been missed. */
  reconnected(): void;
  /** The subscribe was refused. */
  failed(error: unknown): void;
  started?(): void;
  stopped?(): void;
}

/**
 * A shared resource: the first `watch()` starts it, the last release stops it. Each `watch()`
 * answers its own release, harmless to call twice.
 */
export function refCounted(start: () => () => void): () => () => void {
  let watchers = 0;
  let stop: (() => void) | null = null;
  return () => {
    watchers++;
    if (watchers === 1) stop = start();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      watchers--;
      if (watchers > 0) return;
      stop?.();
      stop = null;
    };
  };
}

export function topicWatch(agent: AgentConnection, topic: TopicName, hooks: TopicWatchHooks): () => () => void {
  return refCounted(() => {
    const offMessage = agent.stream.on('message', hooks.message);
    const offReconnect = agent.stream.on('reconnected', hooks.reconnected);
    void agent.stream.subscribe(topic, {} as never).catch(hooks.failed);
    hooks.started?.();
    return () => {
      offMessage();
      offReconnect();
      hooks.stopped?.();
      void agent.stream.unsubscribe(topic, {} as never).catch(() => undefined);
    };
  });
}
