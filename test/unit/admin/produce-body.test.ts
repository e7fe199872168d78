/**
 * The hand-written validator of the REST produce body (admin/dto/produce-body.ts): what it
 * accepts (every shape ProduceRecordsDto describes, the largest body the JSON bounds let
 * through), what it refuses, with the field's path in each message, and the bound on the
 * problems one answer lists. Timings are printed by bench/rest-validation.mjs, not asserted.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadRequestException } from '@nestjs/common';
import { PROBLEMS_MAX, ProduceBodyPipe, validateProduceBody } from '../../../src/admin/dto/produce-body.js';
import { ADMIN_JSON_BOUNDS, jsonBoundsProblem } from '../../../src/admin/http/json-bounds.js';

function problemsOf(body: unknown): readonly string[] {
  const verdict = validateProduceBody(body);
  assert.ok('problems' in verdict, 'refused');
  return verdict.problems;
}

/** The largest body the JSON bounds accept: 1,000 records with keys, values, timestamps and ~18,000 headers. */
function largestBody(): unknown {
  const headersPerRecord = Math.floor((ADMIN_JSON_BOUNDS.containersMax - 2 - 2 * 1_000) / 1_000);
  const headers = Array.from({ length: headersPerRecord }, (_, i) => ({ key: `h${i}`, value: i % 2 === 0 ? 'v' : null }));
  return { encoding: 'utf8', partition: 0, records: Array.from({ length: 1_000 }, (_, i) => ({ key: `k${i}`, value: 'x', timestamp: i, headers: headers.map((h) => ({ ...h })) })) };
}

describe('REST produce body validation', () => {
  it('accepts every shape the API describes: optional fields left out, null keys, values and header values, a decimal string partition', () => {
    const body = { records: [{}, { key: null, value: null }, { key: 'k', value: 'v', headers: [{ key: 'h', value: null }], timestamp: 0 }] };
    assert.deepEqual(validateProduceBody(body), { body: { records: body.records, partition: undefined } });
    const verdict = validateProduceBody({ partition: '3', encoding: 'base64', records: [{ value: 'AA==' }] });
    assert.ok('body' in verdict);
    assert.equal(verdict.body.partition, 3);
    assert.equal(verdict.body.encoding, 'base64');
  });

  it('accepts the largest body the JSON bounds let through', () => {
    const body = largestBody();
    assert.equal(jsonBoundsProblem(body, ADMIN_JSON_BOUNDS), null, 'within the JSON bounds');
    assert.ok('body' in validateProduceBody(body));
  });

  it('refuses each bad field with its path and the message class-validator gave', () => {
    const cases: ReadonlyArray<[unknown, string]> = [
      [undefined, 'this route needs a JSON body (send {} for an empty one)'],
      [[], 'the body must be a JSON object'],
      [null, 'the body must be a JSON object'],
      [{ records: [{}], encoding: null }, 'encoding must be one of utf8, base64'],
      [{ records: [{}], partition: null }, 'partition must be an integer number'],
      [{ records: [{ timestamp: null }] }, 'records.0.timestamp must be an integer number'],
      [{ records: [{ headers: null }] }, 'records.0.headers must be an array'],
      [{ records: [{}], color: 'blue' }, 'property color should not exist'],
      [{ records: [{}], encoding: 'hex' }, 'encoding must be one of utf8, base64'],
      [{ records: [{}], partition: -1 }, 'partition must not be less than 0'],
      [{ records: [{}], partition: '0x10' }, 'partition must be an integer number'],
      [{ records: [{}], partition: 1.5 }, 'partition must be an integer number'],
      [{}, 'records must be an array'],
      [{ records: [] }, 'records must contain at least 1 elements'],
      [{ records: Array.from({ length: 1_001 }, () => ({})) }, 'records must contain no more than 1000 elements'],
      [{ records: [{}, 'x'] }, 'records.1 must be an object'],
      [{ records: [{ key: 5 }] }, 'records.0.key must be a string'],
      [{ records: [{ value: {} }] }, 'records.0.value must be a string'],
      [{ records: [{ timestamp: -1 }] }, 'records.0.timestamp must not be less than 0'],
      [{ records: [{ timestamp: 2 ** 53 }] }, `records.0.timestamp must not be greater than ${Number.MAX_SAFE_INTEGER}`],
      [{ records: [{ timestamp: '5' }] }, 'records.0.timestamp must be an integer number'],
      [{ records: [{ extra: 1 }] }, 'property records.0.extra should not exist'],
      [{ records: [{ headers: {} }] }, 'records.0.headers must be an array'],
      [{ records: [{ headers: Array.from({ length: 1_001 }, () => ({ key: 'h', value: null })) }] }, 'records.0.headers must contain no more than 1000 elements'],
      [{ records: [{ headers: [null] }] }, 'records.0.headers.0 must be an object'],
      [{ records: [{ headers: [{ value: 'v' }] }] }, 'records.0.headers.0.key must be a string'],
      [{ records: [{ headers: [{ key: '', value: 'v' }] }] }, 'records.0.headers.0.key should not be empty'],
      [{ records: [{ headers: [{ key: 'h' }] }] }, 'records.0.headers.0.value must be a string or null'],
      [{ records: [{ headers: [{ key: 'h', value: null, x: 1 }] }] }, 'property records.0.headers.0.x should not exist'],
      [JSON.parse('{"records":[{}],"__proto__":{"polluted":true}}'), 'property __proto__ should not exist'],
    ];
    for (const [body, message] of cases) assert.deepEqual(problemsOf(body), [message], JSON.stringify(body)?.slice(0, 80));
  });

  it('lists every problem of a body, and stops at PROBLEMS_MAX', () => {
    assert.deepEqual(problemsOf({ encoding: 1, records: [{ key: 1, value: 2 }] }), ['encoding must be one of utf8, base64', 'records.0.key must be a string', 'records.0.value must be a string']);
    const verdict = validateProduceBody({ records: Array.from({ length: 1_000 }, () => ({ key: 1, value: 2 })) });
    assert.ok('problems' in verdict);
    assert.equal(verdict.problems.length, PROBLEMS_MAX);
    assert.equal(verdict.problems.at(-1), 'records.49.value must be a string');
  });

  it('answers a refused body with a 400 whose message and details list the problems', () => {
    const pipe = new ProduceBodyPipe();
    assert.throws(
      () => pipe.transform({ records: [{ key: 1 }] }, { type: 'body' }),
      (error: unknown) => {
        assert.ok(error instanceof BadRequestException);
        assert.deepEqual(error.getResponse(), { statusCode: 400, error: 'Bad Request', message: 'invalid request: records.0.key must be a string', details: ['records.0.key must be a string'] });
        return true;
      },
    );
    const many = (() => {
      try {
        pipe.transform({ records: Array.from({ length: 200 }, () => ({ key: 1 })) }, { type: 'body' });
        return null;
      } catch (error) {
        return (error as BadRequestException).getResponse() as { details: string[] };
      }
    })();
    assert.equal(many?.details.at(-1), `validation stopped after ${PROBLEMS_MAX} problems`);
  });
});
