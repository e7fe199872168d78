/** Delegation token APIs without token auth: refused as Kafka refuses them, by listener security protocol. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DelegationTokensHandler } from '../../../src/kafka/handlers/38-create-delegation-token.handler.js';
import { ErrorCode } from '../../../src/wire/error-codes.js';
import { recordingConnection } from '../../support/connection-context.js';
import { request } from './support.js';

const handler = new DelegationTokensHandler();
const plaintext = recordingConnection();
const sasl = recordingConnection({ principalType: 'User', name: 'alice' }, null, 'SASL_SSL');

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
