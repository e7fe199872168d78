/** Delegation token APIs without token auth: refused as Kafka refuses them, by listener security protocol. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anonymousContext } from '../../../src/common/connection-context.js';
import { DelegationTokensHandler } from '../../../src/kafka/handlers/38-create-delegation-token.handler.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import { request } from './support.js';

const handler = new DelegationTokensHandler();
const plaintext = anonymousContext('PLAINTEXT', 'PLAINTEXT', '10.0.0.1');
const sasl = { ...anonymousContext('SASL_SSL', 'SASL_SSL', '10.0.0.1'), principal: 'User:alice' };

describe('delegation token APIs (token auth disabled)', () => {
  it('answers DELEGATION_TOKEN_REQUEST_NOT_ALLOWED off SASL and DELEGATION_TOKEN_AUTH_DISABLED on SASL', async () => {
    const body = {};
    for (const [context, code] of [[plaintext, ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED], [sasl, ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED]] as const) {
      const answers = await Promise.all([
        handler.create(request(3, body, 9092, context)),
        handler.renew(request(2, body, 9092, context)),
        handler.expire(request(2, body, 9092, context)),
        handler.describe(request(3, body, 9092, context)),
      ]);
      assert.deepEqual(answers.map((a) => a.errorCode), [code, code, code, code]);
    }
    const created = await handler.create(request(3, body, 9092, sasl));
    assert.deepEqual([created.principalType, created.principalName], ['User', 'alice']);
  });
});
