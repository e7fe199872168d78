/**
 * confluent-kafka-python 1.7.0 (librdkafka 2.0.2) against the Blink broker.
 *
 * Every feature of the suite is covered. Consuming uses Consumer.assign() with explicit
 * offsets (the client insists on a group.id, which is set but never joined or committed).
 */
import { describe } from 'node:test';

import { pythonDriver } from './clients/python.js';
import { clientBrokerEnv, registerClientScenarios, useBroker } from './client-suite.js';

describe('confluent-kafka against Blink', () => {
  const broker = useBroker(clientBrokerEnv(false));
  registerClientScenarios({ broker, client: (bootstrap) => pythonDriver('confluent-kafka', bootstrap) });
});
