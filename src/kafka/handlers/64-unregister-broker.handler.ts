/**
 * UnregisterBroker (key 64), version 0 (Admin.unregisterBroker).
 * Authorization: Alter on the cluster (else CLUSTER_AUTHORIZATION_FAILED).
 * The only registered broker is this node: unregistering it succeeds and changes nothing
 * (a Kafka broker that is still running registers again at once); any other id is
 * BROKER_ID_NOT_REGISTERED (QuorumService).
 */
import { Controller } from '@nestjs/common';
import { AclOperation } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { QuorumService } from '../../cluster-admin/quorum.service.js';
import { UnregisterBrokerApi, type UnregisterBrokerRequest, type UnregisterBrokerResponse } from '../../wire/messages/64-unregister-broker.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';
import { clusterRefusal } from '../transport/kafka-session.js';

@Controller()
export class UnregisterBrokerHandler {
  constructor(
    private readonly quorum: QuorumService,
    private readonly authorizer: Authorizer,
  ) {}

  @KafkaApi(UnregisterBrokerApi, { min: 0, max: 0 })
  async unregisterBroker(request: KafkaRequest<UnregisterBrokerRequest>): Promise<UnregisterBrokerResponse> {
    const refused = clusterRefusal(this.authorizer, request, AclOperation.ALTER, UnregisterBrokerApi);
    if (refused !== null) return refused;
    const { body } = request;
    return { throttleTimeMs: 0, ...this.quorum.unregisterBroker(body.brokerId) };
  }
}
