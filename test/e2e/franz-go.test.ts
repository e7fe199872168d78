/**
 * franz-go 1.22 (kgo + kadm; Go driver built by tools/test-deps/go.sh) against the Blink
 * broker.
 *
 * Every feature of the suite is covered (franz-go negotiates every version from
 * ApiVersions), plus a consumer-group round with the cooperative-sticky balancer.
 */
import { describe } from 'node:test';

import { goDriver } from './clients/go.js';
import { clientBrokerEnv, registerClientScenarios, useBroker } from './client-suite.js';
import { registerGroupRound } from './group-round.js';

describe('franz-go against Blink', () => {
  const broker = useBroker(clientBrokerEnv(false));
  const client = (bootstrap: string) => goDriver('franz-go', bootstrap);
  registerClientScenarios({ broker, client });
  registerGroupRound(broker, { name: 'franz-go', client: 'franz-go' }, client);
});
