/**
 * A refusal with Kafka's error code and message, thrown inside the consumer-protocol
 * coordinator and turned into the answer at its boundary, the way Kafka's group coordinator
 * throws ApiExceptions: the checks of a heartbeat stay in the order Kafka makes them, each in
 * one line, and nothing is changed before the last of them passed.
 */
export class GroupError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}
