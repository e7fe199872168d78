import { Module } from '@nestjs/common';
import { ScramCredentialStore } from './scram-credential-store.js';

/** Who may log in: the SCRAM credential store (SASL PLAIN and SCRAM check against it). */
@Module({
  providers: [ScramCredentialStore],
  exports: [ScramCredentialStore],
})
export class AuthenticationModule {}
