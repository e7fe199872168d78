/**
 * @platformatic/kafka 1.x, installed beside 2.x under the npm alias `platformatic-kafka-1`,
 * driven by the same driver (platformatic.ts).
 */
import * as platformatic1 from 'platformatic-kafka-1';

import type { ClientDriver } from './driver.js';
import { platformaticDriver, type PlatformaticFlavour, type PlatformaticModule } from './platformatic.js';

/**
 * 1.x declares its own classes, which TypeScript compares nominally (private members), so
 * they are typed as 2.x's; what the driver calls exists in both, and a difference shows
 * up as a failing test.
 */
export const PLATFORMATIC_1: PlatformaticFlavour = { name: 'platformatic-1', kafka: platformatic1 as unknown as PlatformaticModule };

export function platformatic1Driver(bootstrap: string): ClientDriver {
  return platformaticDriver(bootstrap, PLATFORMATIC_1);
}
