/**
 * PRODUCER_FENCED (90) came with KIP-588 (Kafka 2.7): each transactional API got a new
 * version for it, and older versions are answered INVALID_PRODUCER_EPOCH (47) instead, which
 * their clients know.
 */
import { ErrorCode, type ErrorCodeValue } from '../../wire/error-codes.js';

export function fencedFor(apiVersion: number, producerFencedVersion: number, errorCode: ErrorCodeValue): ErrorCodeValue {
  return errorCode === ErrorCode.PRODUCER_FENCED && apiVersion < producerFencedVersion ? ErrorCode.INVALID_PRODUCER_EPOCH : errorCode;
}
