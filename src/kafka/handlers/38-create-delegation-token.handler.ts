/**
 * The delegation token APIs (keys 38-41), answered as a Kafka broker without
 * `delegation.token.secret.key` answers them: DELEGATION_TOKEN_REQUEST_NOT_ALLOWED on a
 * PLAINTEXT or SSL connection (tokens are only for SASL-authenticated clients), else
 * DELEGATION_TOKEN_AUTH_DISABLED. Blink issues no tokens yet; serving the APIs lets clients
 * and tools get a clear answer instead of an unsupported-version error.
 */
import { Controller } from '@nestjs/common';
import { ErrorCode } from '../../wire/error-codes.js';
import { CreateDelegationTokenApi, type CreateDelegationTokenResponse } from '../../wire/messages/38-create-delegation-token.js';
import { RenewDelegationTokenApi, type RenewDelegationTokenResponse } from '../../wire/messages/39-renew-delegation-token.js';
import { ExpireDelegationTokenApi, type ExpireDelegationTokenResponse } from '../../wire/messages/40-expire-delegation-token.js';
import { DescribeDelegationTokenApi, type DescribeDelegationTokenResponse } from '../../wire/messages/41-describe-delegation-token.js';
import type { ConnectionContext } from '../transport/connection-context.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

/** Kafka's KafkaApis.allowTokenRequests: only a SASL login (not a token login) may handle tokens. */
function refusal(connection: ConnectionContext): number {
  const sasl = connection.securityProtocol === 'SASL_PLAINTEXT' || connection.securityProtocol === 'SASL_SSL';
  return sasl ? ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED : ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED;
}

@Controller()
export class DelegationTokensHandler {
  @KafkaApi(CreateDelegationTokenApi, { min: 0, max: 3 })
  async create({ connection }: KafkaRequest<unknown>): Promise<CreateDelegationTokenResponse> {
    const { principalType, name: principalName } = connection.principal;
    return {
      errorCode: refusal(connection),
      principalType,
      principalName,
      tokenRequesterPrincipalType: principalType,
      tokenRequesterPrincipalName: principalName,
      issueTimestampMs: -1,
      expiryTimestampMs: -1,
      maxTimestampMs: -1,
      tokenId: '',
      hmac: Buffer.alloc(0),
      throttleTimeMs: 0,
    };
  }

  @KafkaApi(RenewDelegationTokenApi, { min: 0, max: 2 })
  async renew({ connection }: KafkaRequest<unknown>): Promise<RenewDelegationTokenResponse> {
    return { errorCode: refusal(connection), expiryTimestampMs: -1, throttleTimeMs: 0 };
  }

  @KafkaApi(ExpireDelegationTokenApi, { min: 0, max: 2 })
  async expire({ connection }: KafkaRequest<unknown>): Promise<ExpireDelegationTokenResponse> {
    return { errorCode: refusal(connection), expiryTimestampMs: -1, throttleTimeMs: 0 };
  }

  @KafkaApi(DescribeDelegationTokenApi, { min: 0, max: 3 })
  async describe({ connection }: KafkaRequest<unknown>): Promise<DescribeDelegationTokenResponse> {
    return { errorCode: refusal(connection), tokens: [], throttleTimeMs: 0 };
  }
}
