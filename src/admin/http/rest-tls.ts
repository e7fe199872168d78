/**
 * HTTPS on the REST port (`rest_ssl_enabled`): the Kafka TLS listeners' certificate and key
 * (`ssl_cert_file`, `ssl_key_file`), TLS 1.2 or later. As on the Kafka listeners, the files
 * are polled and a renewed certificate is used for the next handshakes without a restart
 * (a Kubernetes Secret or cert-manager renewal swaps the files in place). No client
 * certificate is asked for: REST callers authenticate with HTTP Basic or the admin token.
 */
import { readFileSync, unwatchFile, watchFile, type Stats } from 'node:fs';
import type { Server as TlsServer } from 'node:tls';
import type { SslConfig } from '../../config/settings.js';

/** How often the certificate files are checked for changes (the Kafka listeners' interval). */
export const REST_TLS_POLL_MS = 2_000;

export interface RestTlsOptions {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly minVersion: 'TLSv1.2';
}

/** The https options of the REST listener, read from the files now (a missing file stops the boot). */
export function restTlsOptions(ssl: SslConfig): RestTlsOptions {
  if (ssl.certFile === null || ssl.keyFile === null) throw new Error('rest_ssl_enabled needs ssl_cert_file and ssl_key_file');
  return { cert: readFileSync(ssl.certFile), key: readFileSync(ssl.keyFile), minVersion: 'TLSv1.2' };
}

interface ReloadLog {
  log(message: string): void;
  warn(message: string): void;
}

/**
 * Polls the certificate files and gives `server` the new pair when one changes; a pair that
 * does not load yet (new certificate, old key) keeps the old one until the next change.
 * Returns the function that stops polling.
 */
export function reloadRestCertificate(server: TlsServer, ssl: SslConfig, log: ReloadLog): () => void {
  const files = [ssl.certFile, ssl.keyFile].filter((file): file is string => file !== null);
  const changed = (now: Stats, before: Stats): void => {
    if (now.mtimeMs === before.mtimeMs && now.size === before.size) return;
    try {
      server.setSecureContext(restTlsOptions(ssl));
      log.log('REST certificate files changed: new HTTPS handshakes use them');
    } catch (error) {
      log.warn(`REST certificate files changed but cannot be used yet: ${(error as Error).message}`);
    }
  };
  for (const file of files) watchFile(file, { interval: REST_TLS_POLL_MS, persistent: false }, changed);
  return () => {
    for (const file of files) unwatchFile(file, changed);
  };
}
