/**
 * SaslHandshake (key 17, v0-1) and SaslAuthenticate (key 36, v0-2) as the handlers see them.
 * On SASL listeners the transport's SaslGate answers both (it owns the connection's login
 * state); a request that reaches a handler came in on a PLAINTEXT or SSL listener, or after
 * login without being a re-authentication, and gets ILLEGAL_SASL_STATE, as Kafka's KafkaApis
 * answers it. Registered here so that ApiVersions advertises both.
 */
import { Controller } from '@nestjs/common';
import { ErrorCode } from '../../wire/error-codes.js';
import { SaslAuthenticateApi, type SaslAuthenticateResponse } from '../../wire/messages/36-sasl-authenticate.js';
import { SaslHandshakeApi, type SaslHandshakeResponse } from '../../wire/messages/17-sasl-handshake.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';

@Controller()
export class SaslHandshakeHandler {
  @KafkaApi(SaslHandshakeApi, { min: 0, max: 1 })
  async saslHandshake(): Promise<SaslHandshakeResponse> {
    return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
  }

  @KafkaApi(SaslAuthenticateApi, { min: 0, max: 2 })
  async saslAuthenticate(): Promise<SaslAuthenticateResponse> {
    return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: 'SaslAuthenticate is only valid during SASL authentication', authBytes: Buffer.alloc(0), sessionLifetimeMs: 0 };
  }
}
