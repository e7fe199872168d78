import { Module } from '@nestjs/common';
import { WalModule } from '../wal/wal.module.js';
import { AclStore } from './acl-store.js';
import { Authorizer } from './authorizer.js';

/** Authorization (Kafka's ACLs): the decision every face asks for, and the stored ACLs. */
@Module({
  imports: [WalModule],
  providers: [AclStore, Authorizer],
  exports: [AclStore, Authorizer],
})
export class AuthorizerModule {}
