/**
 * The uplink's door to the outside world (ARCHITECTURE decision 6): it loads the Kafka
 * client library on first use, so a broker with the uplink off never pays for it at boot,
 * and it reads the files the uplink's security settings name (CA bundle, client
 * certificate and key when connecting; a SASL password file at every authentication, so
 * a rotated secret is picked up without a restart).
 */
import { readFile } from 'node:fs/promises';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { Injectable } from '@nestjs/common';
import type { UplinkConfig } from '../../config/settings.js';
import { RemoteCluster, type RemoteClientOptions } from './remote-cluster.js';

export type KafkaLibrary = typeof import('@platformatic/kafka');

@Injectable()
export class RemoteConnector {
  private library: Promise<KafkaLibrary> | null = null;

  /** A client for the remote cluster (no connection is made until the first call). */
  async open(config: UplinkConfig): Promise<RemoteCluster> {
    this.library ??= import('@platformatic/kafka');
    const library = await this.library;
    return RemoteCluster.open(library, await this.clientOptions(config));
  }

  private async clientOptions(config: UplinkConfig): Promise<RemoteClientOptions> {
    const options: { -readonly [K in keyof RemoteClientOptions]: RemoteClientOptions[K] } = { clientId: config.clientId, bootstrapServers: config.bootstrapServers };
    if (config.tls !== null) options.tls = await this.tlsOptions(config.tls);
    if (config.sasl !== null) {
      const { mechanism, username, password, passwordFile } = config.sasl;
      options.sasl = { mechanism, username, password: password ?? (async () => (await readFile(passwordFile as string, 'utf8')).trim()) };
    }
    return options;
  }

  private async tlsOptions(tls: NonNullable<UplinkConfig['tls']>): Promise<TlsOptions> {
    const read = (file: string | null) => (file === null ? Promise.resolve(undefined) : readFile(file));
    const [ca, cert, key] = await Promise.all([read(tls.caFile), read(tls.certificateFile), read(tls.keyFile)]);
    return {
      rejectUnauthorized: true,
      ...(ca === undefined ? {} : { ca }),
      ...(cert === undefined ? {} : { cert, key }),
      ...(tls.verifyHostname ? {} : { checkServerIdentity: () => undefined }),
    };
  }
}
