/**
 * The HTTP status of each Kafka error code the domain services refuse with (topics/,
 * produce/, fetch/): what the REST face answers where a Kafka client would read the code.
 * Bad requests are 400, a missing topic 404 (a partition number the topic does not have is
 * a bad request: 400), a name taken 409, too large 413, refused by a plugin 422, storage
 * that cannot take the change or a topic closed to writes (moved to another cluster) 503.
 */
import { HttpException, HttpStatus } from '@nestjs/common';
import { isRefusal, type Refusal } from '../../topics/refusal.js';
import { ErrorCode } from '../../wire/error-codes.js';

const STATUS_BY_ERROR: ReadonlyMap<number, HttpStatus> = new Map([
  [ErrorCode.OFFSET_OUT_OF_RANGE, HttpStatus.BAD_REQUEST],
  [ErrorCode.CORRUPT_MESSAGE, HttpStatus.BAD_REQUEST],
  [ErrorCode.INVALID_TOPIC_EXCEPTION, HttpStatus.BAD_REQUEST],
  [ErrorCode.INVALID_PARTITIONS, HttpStatus.BAD_REQUEST],
  [ErrorCode.INVALID_REPLICATION_FACTOR, HttpStatus.BAD_REQUEST],
  [ErrorCode.INVALID_REPLICA_ASSIGNMENT, HttpStatus.BAD_REQUEST],
  [ErrorCode.INVALID_CONFIG, HttpStatus.BAD_REQUEST],
  [ErrorCode.INVALID_REQUEST, HttpStatus.BAD_REQUEST],
  [ErrorCode.TOPIC_ALREADY_EXISTS, HttpStatus.CONFLICT],
  [ErrorCode.MESSAGE_TOO_LARGE, HttpStatus.PAYLOAD_TOO_LARGE],
  [ErrorCode.RECORD_LIST_TOO_LARGE, HttpStatus.PAYLOAD_TOO_LARGE],
  [ErrorCode.INVALID_RECORD, HttpStatus.UNPROCESSABLE_ENTITY],
  [ErrorCode.KAFKA_STORAGE_ERROR, HttpStatus.SERVICE_UNAVAILABLE],
  [ErrorCode.NOT_LEADER_OR_FOLLOWER, HttpStatus.SERVICE_UNAVAILABLE],
]);

export function httpStatusOf(refused: Refusal): HttpStatus {
  if (refused.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) return refused.missing === 'partition' ? HttpStatus.BAD_REQUEST : HttpStatus.NOT_FOUND;
  return STATUS_BY_ERROR.get(refused.errorCode) ?? HttpStatus.INTERNAL_SERVER_ERROR;
}

/** The HTTP error for a refusal; `details` (else the refusal's own) list every problem. */
export function refusalException(refused: Refusal, details: readonly string[] = refused.details ?? []): HttpException {
  return new HttpException({ message: refused.errorMessage, details }, httpStatusOf(refused));
}

/** What the service did, or the refusal thrown as its HTTP error. */
export function orThrow<T extends object>(outcome: T | Refusal): T {
  if (isRefusal(outcome)) throw refusalException(outcome);
  return outcome;
}
