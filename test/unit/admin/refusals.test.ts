/** The HTTP answer of each refusal the domain services give (topics/, produce/, fetch/). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpStatus } from '@nestjs/common';
import { httpStatusOf, orThrow, refusalException } from '../../../src/admin/http/refusals.js';
import { refusal } from '../../../src/topics/refusal.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';

describe('refusals as HTTP errors', () => {
  it('maps Kafka error codes to statuses, a missing topic to 404 and a missing partition to 400', () => {
    const cases: Array<[ReturnType<typeof refusal>, HttpStatus]> = [
      [refusal(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'x', { missing: 'topic' }), HttpStatus.NOT_FOUND],
      [refusal(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'x', { missing: 'partition' }), HttpStatus.BAD_REQUEST],
      [refusal(ErrorCode.INVALID_TOPIC_EXCEPTION, 'x'), HttpStatus.BAD_REQUEST],
      [refusal(ErrorCode.OFFSET_OUT_OF_RANGE, 'x'), HttpStatus.BAD_REQUEST],
      [refusal(ErrorCode.INVALID_CONFIG, 'x'), HttpStatus.BAD_REQUEST],
      [refusal(ErrorCode.TOPIC_ALREADY_EXISTS, 'x'), HttpStatus.CONFLICT],
      [refusal(ErrorCode.MESSAGE_TOO_LARGE, 'x'), HttpStatus.PAYLOAD_TOO_LARGE],
      [refusal(ErrorCode.INVALID_RECORD, 'x'), HttpStatus.UNPROCESSABLE_ENTITY],
      [refusal(ErrorCode.KAFKA_STORAGE_ERROR, 'x'), HttpStatus.SERVICE_UNAVAILABLE],
      [refusal(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, 'x'), HttpStatus.INTERNAL_SERVER_ERROR],
    ];
    assert.deepEqual(cases.map(([r]) => httpStatusOf(r)), cases.map(([, status]) => status));
  });

  it('carries the message and every problem, and orThrow passes what is not a refusal through', () => {
    const refused = refusal(ErrorCode.INVALID_CONFIG, 'a; b', { details: ['a', 'b'] });
    const error = refusalException(refused);
    assert.equal(error.getStatus(), HttpStatus.BAD_REQUEST);
    assert.deepEqual(error.getResponse(), { message: 'a; b', details: ['a', 'b'] });
    assert.throws(() => orThrow(refused), (thrown) => thrown instanceof Error && (thrown as { getStatus?: () => number }).getStatus?.() === HttpStatus.BAD_REQUEST);
    const topic = { name: 't' };
    assert.equal(orThrow(topic), topic);
    assert.deepEqual(orThrow({ errorCode: ErrorCode.NONE, lowWatermark: 3 }), { errorCode: ErrorCode.NONE, lowWatermark: 3 }, 'error code 0 is not a refusal');
  });
});
