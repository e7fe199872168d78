/**
 * A broker with named security listeners on free loopback ports, for the security e2e files:
 * a PLAINTEXT listener first (the harness's readiness checks and Kafka's tools use it), then
 * one listener per protocol the test names, its data in `<dir>/data`; `restart` stops it and
 * starts it again on the same ports with the same data and settings; `stop` reports a crash,
 * stops it and removes `dir` (which the test made, so it could put certificates there first).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts, startBroker, type BrokerHandle } from '../harness.js';

export const LISTENER_HOST = '127.0.0.1';

export interface ListenersBroker {
  /** The running broker process (a new one after `restart`). */
  readonly handle: BrokerHandle;
  /** `host:port` of the listener with this protocol (its name). */
  bootstrap(protocol: string): string;
  /** Stops the broker (reporting a crash) and starts it again: same ports, same data, same settings. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startListenersBroker(dir: string, protocols: readonly string[], env: Record<string, string>): Promise<ListenersBroker> {
  const [plaintext, rest, ...ports] = await freePorts(protocols.length + 2);
  const portOf = new Map(protocols.map((protocol, i) => [protocol, ports[i]!]));
  const listeners = [`PLAINTEXT://${LISTENER_HOST}:${plaintext}`, ...protocols.map((protocol) => `${protocol}://${LISTENER_HOST}:${portOf.get(protocol)}`)];
  const start = () => startBroker({ reuse: { storagePath: join(dir, 'data'), kafkaPort: plaintext!, restPort: rest! }, env: { LISTENERS: listeners.join(','), ...env } });
  let handle = await start();
  return {
    get handle() {
      return handle;
    },
    bootstrap: (protocol) => {
      const port = portOf.get(protocol);
      if (port === undefined) throw new Error(`no ${protocol} listener (listeners: ${listeners.join(',')})`);
      return `${LISTENER_HOST}:${port}`;
    },
    restart: async () => {
      await stopReportingCrash(handle);
      handle = await start();
    },
    stop: async () => {
      await stopReportingCrash(handle);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function stopReportingCrash(handle: BrokerHandle): Promise<void> {
  const crashed = handle.exited();
  await handle.stop();
  if (crashed) console.error(`--- broker stderr ---\n${handle.stderr().slice(-8000)}`);
}
