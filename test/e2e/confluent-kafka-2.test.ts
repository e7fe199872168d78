/**
 * confluent-kafka-python 2.x from PyPI (its wheel bundles librdkafka 2.16; venv made by
 * tools/test-deps/python.sh) against the Blink broker, with the same driver script as
 * Debian's 1.7.0 (confluent_client.py).
 *
 * Every feature of the suite is covered, plus a consumer-group round with the classic
 * protocol (range, roundrobin assignors).
 */
import { describe } from 'node:test';

import { pythonDriver } from './clients/python.js';
import { clientBrokerEnv, registerClientScenarios, useBroker } from './client-suite.js';
import { registerGroupRound } from './group-round.js';

describe('confluent-kafka 2.x against Blink', () => {
  const broker = useBroker(clientBrokerEnv(false));
  const client = (bootstrap: string) => pythonDriver('confluent-kafka-2', bootstrap);
  registerClientScenarios({ broker, client });
  registerGroupRound(broker, { name: 'confluent-kafka-2', client: 'confluent-kafka-2' }, client);
});
