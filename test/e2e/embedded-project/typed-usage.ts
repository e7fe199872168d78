// Type-checked (not run) in the throwaway project by test/e2e/embedded-package.test.ts:
// the package's declarations describe startBlink, its settings, its options and its helpers.
import { startBlink, SettingsError, type BlinkSettings, type EmbeddedBlink, type StartOptions } from 'blink';

const settings: BlinkSettings = { max_memory: '64MB', auto_create_topics: false, broker_ports: [0] };
const options: StartOptions = { signal: AbortSignal.timeout(30_000) };
const broker: EmbeddedBlink = await startBlink(settings, options);
const bootstrap: string = broker.bootstrap;
const records = await broker.readRecords('orders', { partition: 0 });
const offsets: number[] = records.map((record) => record.offset + record.partition);
await broker.waitForGroup('billing', { state: 'Stable', members: 1, timeoutMs: 5_000 });
await broker.reset();
await broker.stop();
export const checked: [string, number[], boolean] = [bootstrap, offsets, new SettingsError('x', []) instanceof Error];
