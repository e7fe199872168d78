/**
 * TLS for the SSL and SASL_SSL listeners: one certificate (`ssl_cert_file`, `ssl_key_file`,
 * PEM), TLS 1.2 or later, client certificates per `ssl_client_auth` checked against
 * `ssl_ca_file`. The files are polled and, when one changes, every TLS listener takes the new
 * certificate for its next handshakes (a renewed certificate needs no restart; established
 * connections keep theirs). A client certificate makes the principal `User:<DN>` in RFC 2253
 * form (CN first), as Kafka prints it, mapped by `ssl_principal_mapping_rules` (Kafka's rules):
 * one principal object per mapped name, shared by all its connections (SharedPrincipals).
 *
 * Writes: every TLS socket hands its bytes to TLS at most TLS_WRITE_PIECE_BYTES at a time
 * (boundTlsWrites). Node encrypts one write into an output buffer sized for that write and
 * keeps the buffer for the life of the connection (its TLS output ring frees all but two
 * buffers, never shrinks them): a consumer's connection that was once answered with an 8 MiB
 * Fetch, written as one writev, held 8 MiB of native memory (outside max_memory) until it closed.
 */
import { readFileSync, unwatchFile, watchFile, type Stats } from 'node:fs';
import type { Logger } from '@nestjs/common';
import { createServer, type SecureContextOptions, type Server as TlsServer, TLSSocket } from 'node:tls';
import type { SslConfig } from '../../config/settings.js';
import { SharedPrincipals, type KafkaPrincipal } from '../../common/kafka-principal.js';
import { mapPrincipalName, parsePrincipalMappingRules, type PrincipalRule } from '../../common/ssl-principal-mapping.js';

/**
 * The most a TLS socket gives TLS in one write (see boundTlsWrites): 64 KiB is four full TLS
 * records, and what a connection keeps after its largest write is about twice that.
 */
export const TLS_WRITE_PIECE_BYTES = 64 * 1024;

/** How often the certificate files are checked for changes (a Kubernetes Secret update takes about a minute anyway). */
export const TLS_FILE_POLL_MS = 2_000;

export class TlsCertificates {
  private readonly servers = new Set<TlsServer>();
  private options: SecureContextOptions;
  private readonly rules: PrincipalRule[];
  private readonly principals = new SharedPrincipals();

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
      const principal = certificatePrincipal(socket, this.rules, this.principals);
      if (principal === undefined) {
        const why = socket.authorized ? 'no ssl_principal_mapping_rules rule matches its DN' : `it is not trusted (${String(socket.authorizationError)})`;
        this.logger.warn(`closing TLS connection ${socket.remoteAddress}: client certificate refused, ${why}`);
        socket.destroy();
        return;
      }
      boundTlsWrites(socket);
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

/** One chunk a Writable hands its `_writev` (with `allBuffers` on the array when every chunk is a Buffer). */
interface BufferedChunk {
  chunk: Buffer;
  encoding: BufferEncoding;
}
type WriteChunks = BufferedChunk[] & { allBuffers?: boolean };
type WriteCallback = (error?: Error | null) => void;
interface StreamWrites {
  _write(chunk: Buffer, encoding: BufferEncoding, callback: WriteCallback): void;
  _writev(chunks: WriteChunks, callback: WriteCallback): void;
}

/**
 * How a TLS socket writes, as its class has it: read at the first TLS connection, not when this
 * module loads (reading node:tls's TLSSocket at boot loads TLS itself, ~2.5 MiB of idle RSS for
 * a broker without a TLS listener; the bundle loads node:tls on first use).
 */
let INHERITED: StreamWrites;

/**
 * Makes `socket` give TLS at most TLS_WRITE_PIECE_BYTES per write, the next piece once the one
 * before is written: the chunks the stream gathered (a corked answer, writes queued behind one
 * in progress) go in groups of at most that many bytes, a larger chunk in slices of it (views,
 * not copies). The stream sees one write, as before: its callback comes after the last piece.
 * Node's TLS socket is a stream.Writable; `_write` and `_writev` are the methods its writes go
 * through (the stream API's own hooks): two shared functions set on the socket, and a write that
 * fits in one piece goes straight to its class's own.
 */
export function boundTlsWrites(socket: TLSSocket): void {
  INHERITED ??= TLSSocket.prototype as unknown as StreamWrites;
  const writes = socket as unknown as StreamWrites;
  writes._write = boundWrite;
  writes._writev = boundWritev;
}

function boundWrite(this: TLSSocket, chunk: Buffer, encoding: BufferEncoding, callback: WriteCallback): void {
  if (!Buffer.isBuffer(chunk) || chunk.length <= TLS_WRITE_PIECE_BYTES) INHERITED._write.call(this, chunk, encoding, callback);
  else writeSlices(this, chunk, encoding, 0, callback);
}

function boundWritev(this: TLSSocket, chunks: WriteChunks, callback: WriteCallback): void {
  let bytes = 0;
  for (const { chunk } of chunks) bytes += chunk.length;
  if (bytes <= TLS_WRITE_PIECE_BYTES) INHERITED._writev.call(this, chunks, callback);
  else writeGroups(this, chunks, 0, callback);
}

function writeSlices(socket: TLSSocket, chunk: Buffer, encoding: BufferEncoding, from: number, callback: WriteCallback): void {
  const to = Math.min(chunk.length, from + TLS_WRITE_PIECE_BYTES);
  INHERITED._write.call(socket, chunk.subarray(from, to), encoding, (error) => {
    if (error || to === chunk.length) callback(error);
    else writeSlices(socket, chunk, encoding, to, callback);
  });
}

/** The chunks from `from` on, a group of at most TLS_WRITE_PIECE_BYTES (or one larger chunk, sliced) at a time. */
function writeGroups(socket: TLSSocket, chunks: WriteChunks, from: number, callback: WriteCallback): void {
  if (from === chunks.length) return callback();
  let to = from + 1;
  let bytes = chunks[from]!.chunk.length;
  while (to < chunks.length && bytes + chunks[to]!.chunk.length <= TLS_WRITE_PIECE_BYTES) bytes += chunks[to++]!.chunk.length;
  const next: WriteCallback = (error) => (error ? callback(error) : writeGroups(socket, chunks, to, callback));
  if (to === from + 1) return boundWrite.call(socket, chunks[from]!.chunk, chunks[from]!.encoding, next);
  const group: WriteChunks = chunks.slice(from, to);
  group.allBuffers = chunks.allBuffers;
  INHERITED._writev.call(socket, group, next);
}

/**
 * `User:<name>` of a trusted client certificate, the name mapped from its RFC 2253 DN by the
 * rules; null without a certificate; undefined for an untrusted one or a DN no rule maps.
 */
function certificatePrincipal(socket: TLSSocket, rules: readonly PrincipalRule[], principals: SharedPrincipals): KafkaPrincipal | null | undefined {
  const certificate = socket.getPeerX509Certificate();
  if (certificate === undefined) return null;
  if (!socket.authorized) return undefined;
  const name = mapPrincipalName(rules, rfc2253(certificate.subject));
  return name === null ? undefined : principals.user(name);
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
