/**
 * What went wrong on the remote side, in the terms the uplink acts on. The client library
 * (@platformatic/kafka) reports Kafka error codes inside its own error classes (a
 * ProtocolError's `apiCode`, nested in MultipleErrors / ResponseError `errors`), and
 * transport problems as network or timeout errors; `RemoteError` carries both shapes as
 * one Kafka error code (or none for a transport failure) and a message.
 *
 * Kinds:
 * - unreachable: no answer (connection refused or lost, timeout): retry the same bytes later;
 * - retriable: Kafka says try again (leadership moving, not enough replicas, ...);
 * - producer-state: the remote lost or refused the uplink's producer id or sequence
 *   (OUT_OF_ORDER_SEQUENCE_NUMBER, UNKNOWN_PRODUCER_ID, ...): reconcile with the remote log;
 * - refused: the remote will not take this batch as it is (too large, invalid, not authorized,
 *   a policy): the partition stops there until the remote changes (docs/UPLINK.md).
 */
import { ErrorCode } from '../../wire/error-codes.js';

export type RemoteErrorKind = 'unreachable' | 'retriable' | 'producer-state' | 'refused';

/** Kafka error codes only a remote cluster answers (Blink never does: wire/error-codes.ts lists Blink's). */
const RemoteOnly = {
  NETWORK_EXCEPTION: 13,
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  NOT_ENOUGH_REPLICAS: 19,
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 20,
  CONCURRENT_TRANSACTIONS: 51,
  FENCED_LEADER_EPOCH: 74,
  OFFSET_NOT_AVAILABLE: 78,
  THROTTLING_QUOTA_EXCEEDED: 89,
} as const;

/** Kafka's retriable errors the uplink meets on Produce, ListOffsets, Metadata and group APIs. */
const RETRIABLE = new Set<number>([
  ErrorCode.CORRUPT_MESSAGE,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ...Object.values(RemoteOnly),
]);

const PRODUCER_STATE = new Set<number>([
  ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
  ErrorCode.DUPLICATE_SEQUENCE_NUMBER,
  ErrorCode.INVALID_PRODUCER_EPOCH,
  ErrorCode.UNKNOWN_PRODUCER_ID,
]);

const NETWORK_CODES = new Set(['PLT_KFK_NETWORK', 'PLT_KFK_TIMEOUT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

export function kindOfErrorCode(code: number): RemoteErrorKind {
  if (RETRIABLE.has(code)) return 'retriable';
  if (PRODUCER_STATE.has(code)) return 'producer-state';
  return 'refused';
}

export class RemoteError extends Error {
  override readonly name = 'RemoteError';

  constructor(
    message: string,
    readonly kind: RemoteErrorKind,
    /** The Kafka error code, or null for a transport failure. */
    readonly errorCode: number | null,
  ) {
    super(message);
  }

  static fromCode(code: number, message: string): RemoteError {
    return new RemoteError(message, kindOfErrorCode(code), code);
  }

  /** Any error the client library (or Node's sockets) threw, classified. */
  static from(error: unknown, doing: string): RemoteError {
    if (error instanceof RemoteError) return error;
    const code = firstKafkaCode(error);
    const message = `${doing}: ${describe(error)}`;
    if (code !== null) return RemoteError.fromCode(code, message);
    // Anything without a Kafka code is a transport or client-side failure: retry later.
    return new RemoteError(message, isNetwork(error) ? 'unreachable' : 'retriable', null);
  }
}

interface LibraryError {
  readonly code?: unknown;
  readonly apiCode?: unknown;
  readonly errors?: unknown;
  readonly cause?: unknown;
  readonly message?: unknown;
}

/** The first Kafka error code among `error`, its `errors` and causes (depth-bounded). */
function firstKafkaCode(error: unknown, depth = 0): number | null {
  if (depth > 8 || typeof error !== 'object' || error === null) return null;
  const e = error as LibraryError;
  if (typeof e.apiCode === 'number' && e.apiCode !== 0) return e.apiCode;
  for (const inner of Array.isArray(e.errors) ? e.errors : []) {
    const code = firstKafkaCode(inner, depth + 1);
    if (code !== null) return code;
  }
  return firstKafkaCode(e.cause, depth + 1);
}

function isNetwork(error: unknown, depth = 0): boolean {
  if (depth > 8 || typeof error !== 'object' || error === null) return false;
  const e = error as LibraryError;
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  return (Array.isArray(e.errors) && e.errors.some((inner) => isNetwork(inner, depth + 1))) || isNetwork(e.cause, depth + 1);
}

/** The message, with the innermost distinct causes (the library wraps errors several times). */
function describe(error: unknown, depth = 0): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const e = error as LibraryError;
  const own = typeof e.message === 'string' ? e.message : String(error);
  const inner = Array.isArray(e.errors) ? e.errors : e.cause !== undefined ? [e.cause] : [];
  if (depth > 3 || inner.length === 0) return own;
  const causes = [...new Set(inner.map((i) => describe(i, depth + 1)))].filter((m) => m !== own);
  return causes.length === 0 ? own : `${own} (${causes.join('; ')})`;
}
