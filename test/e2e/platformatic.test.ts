/**
 * @platformatic/kafka 2.12.1 against the Blink broker.
 *
 * Every feature of the suite is covered. Its stream consumer always joins a group, so
 * consuming uses Consumer.fetch() (plain Fetch requests for chosen partitions/offsets).
 */
import { describe } from 'node:test';

import { platformaticDriver } from './clients/platformatic.js';
import { clientBrokerEnv, registerClientScenarios, useBroker } from './client-suite.js';

describe('@platformatic/kafka against Blink', () => {
  const broker = useBroker(clientBrokerEnv(false));
  registerClientScenarios({ broker, client: platformaticDriver });
});
