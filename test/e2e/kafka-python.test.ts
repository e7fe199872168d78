/**
 * kafka-python 2.0.2 (Debian python3-kafka) against the Blink broker.
 *
 * Missing in kafka-python: an idempotent producer (it never sends InitProducerId).
 * Consuming uses KafkaConsumer(group_id=None) + assign() (ListOffsets + Fetch v4, no group).
 */
import { describe } from 'node:test';

import { pythonDriver } from './clients/python.js';
import { clientBrokerEnv, registerClientScenarios, useBroker } from './client-suite.js';

describe('kafka-python against Blink', () => {
  const broker = useBroker(clientBrokerEnv(false));
  registerClientScenarios({ broker, client: (bootstrap) => pythonDriver('kafka-python', bootstrap) });
});
