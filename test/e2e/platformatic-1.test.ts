/**
 * @platformatic/kafka 1.x (npm alias platformatic-kafka-1) against the Blink broker, with
 * the 2.x driver (clients/platformatic.ts).
 *
 * 1.x implements only recent versions of several APIs, newer than Blink serves today, so
 * the suite runs with those ops removed from the driver:
 * - CreateTopics 7, DeleteTopics 6, FindCoordinator 4-6 (its Admin's group APIs but
 *   ListGroups): "No usable implementation found for API …". Topics are auto-created by
 *   the producer's Metadata request instead, as for kcat.
 * - Fetch: 1.x negotiates v12 (Blink's max) but fills v12's topic-name field with the
 *   topic id, which Blink answers with UNKNOWN_TOPIC_OR_PARTITION. What 1.x produces is
 *   read back with @platformatic/kafka 2.x.
 * Metadata, Produce (with InitProducerId) and ListOffsets 5-7 are 1.x's own.
 */
import { describe } from 'node:test';

import type { ClientDriver } from './clients/driver.js';
import { PLATFORMATIC_1 } from './clients/platformatic-1.js';
import { platformaticDriver } from './clients/platformatic.js';
import { clientBrokerEnv, registerClientScenarios, useBroker } from './client-suite.js';

/** The ops whose requests Blink does not serve at the versions 1.x sends. */
const UNSERVED_OPS = ['createTopic', 'deleteTopic', 'consume', 'describeGroup', 'deleteGroups', 'committedOffsets'] as const;

function platformatic1ServedOps(bootstrap: string): ClientDriver {
  const driver: Partial<ClientDriver> = platformaticDriver(bootstrap, { ...PLATFORMATIC_1, autocreateTopics: true });
  for (const op of UNSERVED_OPS) delete driver[op];
  return driver as ClientDriver;
}

describe('@platformatic/kafka 1.x against Blink', () => {
  const broker = useBroker(clientBrokerEnv(true));
  registerClientScenarios({ broker, client: platformatic1ServedOps, reader: (bootstrap) => platformaticDriver(bootstrap) });
});
