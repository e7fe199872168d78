/**
 * @platformatic/kafka 1.x (npm alias platformatic-kafka-1) against the Blink broker, with
 * the 2.x driver (clients/platformatic.ts), and a consumer-group round with 1.x members.
 *
 * 1.x implements only the newest versions of several APIs, so it proves them with a client
 * nobody here wrote: CreateTopics 7, DeleteTopics 6 (by topic id), FindCoordinator 4-6
 * (batched keys), Fetch 12-17 (topic ids), ListOffsets 5-9, JoinGroup 6-9, SyncGroup 5 and
 * OffsetCommit/OffsetFetch 8-9 (batched groups), besides Metadata, Produce and
 * InitProducerId.
 */
import { describe } from 'node:test';

import { platformatic1Driver } from './clients/platformatic-1.js';
import { clientBrokerEnv, registerClientScenarios, useBroker } from './client-suite.js';
import { registerGroupRound } from './group-round.js';

describe('@platformatic/kafka 1.x against Blink', () => {
  const broker = useBroker(clientBrokerEnv(false));
  registerClientScenarios({ broker, client: platformatic1Driver });
  registerGroupRound(broker, { name: 'platformatic-1', client: 'platformatic-1' }, platformatic1Driver);
});
