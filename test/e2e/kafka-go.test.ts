/**
 * segmentio/kafka-go 0.4.51 (Go driver built by tools/test-deps/go.sh) against the Blink
 * broker. kafka-go negotiates versions: its Client and Writer pick from ApiVersions, its
 * Reader's Conn picks Fetch v2, v5 or v10.
 *
 * Missing in kafka-go: an idempotent producer. Plus a consumer-group round with its
 * ConsumerGroup (JoinGroup v1, SyncGroup v0, OffsetFetch v1, OffsetCommit v2).
 */
import { describe } from 'node:test';

import { goDriver } from './clients/go.js';
import { clientBrokerEnv, registerClientScenarios, useBroker } from './client-suite.js';
import { registerGroupRound } from './group-round.js';

describe('kafka-go against Blink', () => {
  const broker = useBroker(clientBrokerEnv(false));
  const client = (bootstrap: string) => goDriver('kafka-go', bootstrap);
  registerClientScenarios({ broker, client });
  registerGroupRound(broker, { name: 'kafka-go', client: 'kafka-go' }, client);
});
