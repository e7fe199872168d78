import { Module } from '@nestjs/common';
import { DelegationTokenStore } from './delegation-token-store.js';
import { SaslMechanisms } from './sasl-servers.js';
import { ScramCredentialStore } from './scram-credential-store.js';

/**
 * Who may log in: the SCRAM credential store (SASL PLAIN and SCRAM check against it), the
 * delegation tokens (SCRAM with tokenauth), and the per-mechanism SASL servers the Kafka
 * transport runs each login through.
 */
@Module({
  providers: [ScramCredentialStore, DelegationTokenStore, SaslMechanisms],
  exports: [ScramCredentialStore, DelegationTokenStore, SaslMechanisms],
})
export class AuthenticationModule {}
