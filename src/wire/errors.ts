/**
 * Thrown when received bytes cannot be decoded: a truncated buffer, a length or count that does not
 * fit in the remaining bytes, an over-long varint, or null where the spec forbids it. It means the
 * peer sent garbage, not that the broker has a bug.
 */
export class KafkaProtocolError extends Error {
  override readonly name = 'KafkaProtocolError';
}
