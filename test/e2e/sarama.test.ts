/**
 * sarama 1.61 (IBM/sarama; Go driver built by tools/test-deps/go.sh) against the Blink
 * broker, speaking Kafka 3.6 (the driver's default Config.Version): sarama sends
 * ApiVersions and lowers each request to the broker's advertised max.
 *
 * Every feature of the suite is covered, plus a consumer-group round (range assignor).
 * Its legacy modes (Kafka 0.8.2 / 0.10.0: magic 0 / magic 1 message sets) are tested in
 * legacy-formats.test.ts.
 */
import { describe } from 'node:test';

import { goDriver } from './clients/go.js';
import { clientBrokerEnv, registerClientScenarios, useBroker } from './client-suite.js';
import { registerGroupRound } from './group-round.js';

describe('sarama against Blink', () => {
  const broker = useBroker(clientBrokerEnv(false));
  const client = (bootstrap: string) => goDriver('sarama', bootstrap);
  registerClientScenarios({ broker, client });
  registerGroupRound(broker, { name: 'sarama', client: 'sarama' }, client);
});
