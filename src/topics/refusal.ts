/**
 * What the domain services (topics/, produce/, fetch/) answer when a request cannot have
 * what it asks for: the Kafka error code a Kafka client gets, and a message for people.
 * The services never throw for bad input; each face maps a refusal to its own protocol
 * (the Kafka handlers put the code in the response, the REST face picks an HTTP status:
 * admin/http/refusals.ts).
 */
import { ErrorCode, type ErrorCodeValue } from '../wire/error-codes.js';

export interface Refusal {
  readonly errorCode: ErrorCodeValue;
  readonly errorMessage: string;
  /**
   * UNKNOWN_TOPIC_OR_PARTITION names both cases; this says which one it is, for faces that
   * answer them differently (HTTP: 404 for a missing topic, 400 for a partition number the
   * topic does not have).
   */
  readonly missing?: 'topic' | 'partition';
  /** Every problem found, when there are several (invalid topic configs). */
  readonly details?: readonly string[];
}

export function refusal(errorCode: ErrorCodeValue, errorMessage: string, extra: Pick<Refusal, 'missing' | 'details'> = {}): Refusal {
  return { errorCode, errorMessage, ...extra };
}

/** True for a refusal, false for what the service found or did (a Topic, a PartitionLog, an outcome with error code 0). */
export function isRefusal(value: object): value is Refusal {
  return 'errorCode' in value && value.errorCode !== ErrorCode.NONE;
}
