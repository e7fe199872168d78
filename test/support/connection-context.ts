/**
 * A ConnectionContext for handler unit tests (no transport): User:ANONYMOUS on a PLAINTEXT
 * listener unless a test says otherwise, no client software until a test sets it, and the
 * quota mutes asked for, kept in `mutes`.
 */
import { ANONYMOUS_PRINCIPAL, type KafkaPrincipal } from '../../src/common/kafka-principal.js';
import type { SecurityProtocol } from '../../src/common/connection-context.js';
import type { ClientSoftware, ConnectionContext } from '../../src/kafka/transport/connection-context.js';

export interface RecordingConnection extends ConnectionContext {
  readonly mutes: number[];
}

export function recordingConnection(
  principal: KafkaPrincipal = ANONYMOUS_PRINCIPAL,
  clientSoftware: ClientSoftware | null = null,
  securityProtocol: SecurityProtocol = 'PLAINTEXT',
): RecordingConnection {
  const mutes: number[] = [];
  return { principal, listenerName: securityProtocol, securityProtocol, clientPort: 50_000, clientSoftware, mutes, muteUntil: (atMs) => mutes.push(atMs) };
}
