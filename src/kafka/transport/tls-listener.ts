/**
 * TLS for the SSL and SASL_SSL listeners: one certificate (`ssl_cert_file`, `ssl_key_file`,
 * PEM), TLS 1.2 or later, client certificates per `ssl_client_auth` checked against
 * `ssl_ca_file`. The files are polled and, when one changes, every TLS listener takes the new
 * certificate for its next handshakes (a renewed certificate needs no restart; established
 * connections keep theirs). A client certificate makes the principal `User:<DN>` in RFC 2253
 * form (CN first), as Kafka prints it, mapped by `ssl_principal_mapping_rules` (Kafka's rules).
 */
import { readFileSync, unwatchFile, watchFile, type Stats } from 'node:fs';
import type { Logger } from '@nestjs/common';
import { createServer, type SecureContextOptions, type Server as TlsServer, type TLSSocket } from 'node:tls';
import type { SslConfig } from '../../config/settings.js';
import type { KafkaPrincipal } from '../../common/kafka-principal.js';
import { mapPrincipalName, parsePrincipalMappingRules, type PrincipalRule } from '../../common/ssl-principal-mapping.js';

/** How often the certificate files are checked for changes (a Kubernetes Secret update takes about a minute anyway). */
export const TLS_FILE_POLL_MS = 2_000;

export class TlsCertificates {
  private readonly servers = new Set<TlsServer>();
  private options: SecureContextOptions;
  private readonly rules: PrincipalRule[];

  constructor(
    private readonly ssl: SslConfig,
    private readonly logger: Logger,
  ) {
    this.options = this.read();
    this.rules = parsePrincipalMappingRules(ssl.principalMappingRules);
    for (const file of this.files) watchFile(file, { interval: TLS_FILE_POLL_MS, persistent: false }, (now, before) => this.changed(now, before));
  }

  /** A TLS server whose handshakes end in `onSecure` with the socket and its certificate principal (null without one). */
  createServer(onSecure: (socket: TLSSocket, certificatePrincipal: KafkaPrincipal | null) => void): TlsServer {
    const clientAuth = this.ssl.clientAuth;
    const server = createServer({ ...this.options, minVersion: 'TLSv1.2', requestCert: clientAuth !== 'none', rejectUnauthorized: clientAuth === 'required' }, (socket) => {
      const principal = certificatePrincipal(socket, this.rules);
      if (principal === undefined) {
        const why = socket.authorized ? 'no ssl_principal_mapping_rules rule matches its DN' : `it is not trusted (${String(socket.authorizationError)})`;
        this.logger.warn(`closing TLS connection ${socket.remoteAddress}: client certificate refused, ${why}`);
        socket.destroy();
        return;
      }
      onSecure(socket, principal);
    });
    server.on('tlsClientError', (error) => this.logger.debug?.(`TLS handshake failed: ${error.message}`));
    this.servers.add(server);
    server.once('close', () => this.servers.delete(server));
    return server;
  }

  close(): void {
    for (const file of this.files) unwatchFile(file);
  }

  private get files(): string[] {
    return [this.ssl.certFile, this.ssl.keyFile, this.ssl.caFile].filter((file): file is string => file !== null);
  }

  private read(): SecureContextOptions {
    const { certFile, keyFile, caFile } = this.ssl;
    return {
      cert: readFileSync(certFile!),
      key: readFileSync(keyFile!),
      ...(caFile === null ? {} : { ca: readFileSync(caFile) }),
    };
  }

  /** A half-written pair (new certificate, old key) fails to load: keep the old one until the next poll sees both. */
  private changed(now: Stats, before: Stats): void {
    if (now.mtimeMs === before.mtimeMs && now.size === before.size) return;
    try {
      const options = this.read();
      for (const server of this.servers) server.setSecureContext({ ...options, minVersion: 'TLSv1.2' });
      this.options = options;
      this.logger.log('TLS certificate files changed: new handshakes use them');
    } catch (error) {
      this.logger.warn(`TLS certificate files changed but cannot be used yet: ${(error as Error).message}`);
    }
  }
}

/**
 * `User:<name>` of a trusted client certificate, the name mapped from its RFC 2253 DN by the
 * rules; null without a certificate; undefined for an untrusted one or a DN no rule maps.
 */
function certificatePrincipal(socket: TLSSocket, rules: readonly PrincipalRule[]): KafkaPrincipal | null | undefined {
  const certificate = socket.getPeerX509Certificate();
  if (certificate === undefined) return null;
  if (!socket.authorized) return undefined;
  const name = mapPrincipalName(rules, rfc2253(certificate.subject));
  return name === null ? undefined : { principalType: 'User', name };
}

/**
 * Node prints a subject one attribute per line, in certificate order (C first); RFC 2253
 * reverses it (CN first), joins with commas and escapes the special characters.
 */
export function rfc2253(subject: string): string {
  return subject
    .split('\n')
    .filter((line) => line !== '')
    .reverse()
    .map((line) => {
      const eq = line.indexOf('=');
      return `${line.slice(0, eq)}=${escapeValue(line.slice(eq + 1))}`;
    })
    .join(',');
}

function escapeValue(value: string): string {
  return value.replace(/[,+"\\<>;]/g, (ch) => `\\${ch}`).replace(/^[ #]/, (ch) => `\\${ch}`).replace(/ $/, '\\ ');
}
