/**
 * Topic lifecycle events: the TopicRegistry announces every change to the set of topics
 * here, and any number of listeners (the WAL saves metadata and removes a deleted topic's
 * files; groups, metrics …) subscribe through the container when they are built. A
 * listener may return a promise that settles once its part of the change is durable; the
 * registry hands the combined promise to handlers that must not answer before that
 * (TopicRegistry.whenPersisted).
 */
import { Injectable } from '@nestjs/common';
import type { Topic } from './topic-registry.js';

/** Each method is optional: a listener handles only the events it cares about. */
export interface TopicListener {
  partitionsAdded?(topic: Topic, firstNewPartition: number): Promise<void> | void;
  configsChanged?(topic: Topic): Promise<void> | void;
  topicDeleted?(topic: Topic): Promise<void> | void;
}

@Injectable()
export class TopicEvents {
  private readonly listeners = new Set<TopicListener>();

  subscribe(listener: TopicListener): void {
    this.listeners.add(listener);
  }

  /** New partitions exist (a topic was created, or grew), the first new one at `firstNewPartition`. */
  partitionsAdded(topic: Topic, firstNewPartition: number): Promise<void> | undefined {
    return this.emit((listener) => listener.partitionsAdded?.(topic, firstNewPartition));
  }

  configsChanged(topic: Topic): Promise<void> | undefined {
    return this.emit((listener) => listener.configsChanged?.(topic));
  }

  /** The topic is gone from the registry and its partitions have deleted their data. */
  topicDeleted(topic: Topic): Promise<void> | undefined {
    return this.emit((listener) => listener.topicDeleted?.(topic));
  }

  /** Calls every listener (each one even if another throws); undefined when none returned a promise. */
  private emit(call: (listener: TopicListener) => Promise<void> | void): Promise<void> | undefined {
    const pending: Array<Promise<void>> = [];
    for (const listener of this.listeners) {
      try {
        const result = call(listener);
        if (result !== undefined) pending.push(result);
      } catch (error) {
        pending.push(Promise.reject(error));
      }
    }
    return pending.length === 0 ? undefined : Promise.all(pending).then(() => undefined);
  }
}
