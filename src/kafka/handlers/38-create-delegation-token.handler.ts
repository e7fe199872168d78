/**
 * The delegation token APIs (keys 38-41) as Kafka 3.9's KafkaApis and token manager answer
 * them: CreateDelegationToken v0-3 (v3: an owner other than the requester, KIP-373),
 * RenewDelegationToken v0-2, ExpireDelegationToken v0-2, DescribeDelegationToken v0-3
 * (v3: the token requester). First checks, for all four:
 *   - DELEGATION_TOKEN_REQUEST_NOT_ALLOWED on a PLAINTEXT or SSL connection, or one that
 *     logged in with a delegation token (Kafka's allowTokenRequests);
 *   - DELEGATION_TOKEN_AUTH_DISABLED while `delegation_token_secret_key` is unset.
 * ACLs (Kafka's): creating a token for another owner needs CreateTokens on the USER resource
 * of that owner; describe shows a token to its owner, requester and renewers, to whoever may
 * Describe the DELEGATION_TOKEN resource (the token id), or DescribeTokens on the owner's USER.
 * Renew and expire are for the owner, requester and renewers (DELEGATION_TOKEN_OWNER_MISMATCH).
 */
import { Controller } from '@nestjs/common';
import { DelegationTokenStore, DelegationTokenStoreFull, type DelegationToken } from '../../authentication/delegation-token-store.js';
import { AclOperation, ResourceType } from '../../authorizer/acl.js';
import { Authorizer } from '../../authorizer/authorizer.js';
import { parsePrincipalText, principalText } from '../../common/kafka-principal.js';
import { Clock } from '../../common/clock.js';
import { ErrorCode } from '../../wire/error-codes.js';
import { CreateDelegationTokenApi, type CreateDelegationTokenRequest, type CreateDelegationTokenResponse } from '../../wire/messages/38-create-delegation-token.js';
import { RenewDelegationTokenApi, type RenewDelegationTokenRequest, type RenewDelegationTokenResponse } from '../../wire/messages/39-renew-delegation-token.js';
import { ExpireDelegationTokenApi, type ExpireDelegationTokenRequest, type ExpireDelegationTokenResponse } from '../../wire/messages/40-expire-delegation-token.js';
import {
  DescribeDelegationTokenApi,
  type DescribeDelegationTokenRequest,
  type DescribeDelegationTokenResponse,
  type DescribeDelegationTokenResponseDescribedDelegationToken,
} from '../../wire/messages/41-describe-delegation-token.js';
import type { ConnectionContext } from '../transport/connection-context.js';
import { authorized } from '../transport/kafka-session.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

const USER_TYPE = 'User';

/** Kafka's KafkaApis.allowTokenRequests, then tokenAuthEnabled: the error every token API answers first, or NONE. */
function refusal(connection: ConnectionContext, tokens: DelegationTokenStore): number {
  const sasl = connection.securityProtocol === 'SASL_PLAINTEXT' || connection.securityProtocol === 'SASL_SSL';
  if (!sasl || connection.principal.tokenAuthenticated === true) return ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED;
  return tokens.enabled ? ErrorCode.NONE : ErrorCode.DELEGATION_TOKEN_AUTH_DISABLED;
}

function principalOf(principalType: string, name: string): string {
  return principalText({ principalType, name });
}

/** A stored `Type:name` as the token APIs' answers spell it. */
function splitPrincipal(principal: string): { principalType: string; principalName: string } {
  const { principalType, name } = parsePrincipalText(principal);
  return { principalType, principalName: name };
}

/** Kafka's TokenInformation.ownerOrRenewer: who may renew, expire and always see a token. */
function ownerOrRenewer(token: DelegationToken, principal: string): boolean {
  return token.owner === principal || token.requester === principal || token.renewers.includes(principal);
}

@Controller()
export class DelegationTokensHandler {
  constructor(
    private readonly tokens: DelegationTokenStore,
    private readonly authorizer: Authorizer,
    private readonly clock: Clock,
  ) {}

  @KafkaApi(CreateDelegationTokenApi, { min: 0, max: 3 })
  async create(request: KafkaRequest<CreateDelegationTokenRequest>): Promise<CreateDelegationTokenResponse> {
    const { body, connection } = request;
    const requester = principalText(connection.principal);
    // Kafka: no owner name (null, empty, or a version before 3) means the requester.
    const owner = body.ownerPrincipalName === null || body.ownerPrincipalName === '' ? requester : principalOf(body.ownerPrincipalType ?? USER_TYPE, body.ownerPrincipalName);
    const answer = (errorCode: number, token?: DelegationToken): CreateDelegationTokenResponse => ({
      errorCode,
      ...splitPrincipal(owner),
      tokenRequesterPrincipalType: splitPrincipal(requester).principalType,
      tokenRequesterPrincipalName: splitPrincipal(requester).principalName,
      issueTimestampMs: token?.issueTimestampMs ?? -1,
      expiryTimestampMs: token?.expiryTimestampMs ?? -1,
      maxTimestampMs: token?.maxTimestampMs ?? -1,
      tokenId: token?.tokenId ?? '',
      hmac: token === undefined ? Buffer.alloc(0) : this.tokens.hmacOf(token.tokenId),
      throttleTimeMs: 0,
    });
    const refused = refusal(connection, this.tokens);
    if (refused !== ErrorCode.NONE) return answer(refused);
    if (splitPrincipal(owner).principalType !== USER_TYPE) return answer(ErrorCode.INVALID_PRINCIPAL_TYPE);
    if (owner !== requester && !authorized(this.authorizer, request, AclOperation.CREATE_TOKENS, ResourceType.USER, owner)) {
      return answer(ErrorCode.DELEGATION_TOKEN_AUTHORIZATION_FAILED);
    }
    if (body.renewers.some((renewer) => renewer.principalType !== USER_TYPE)) return answer(ErrorCode.INVALID_PRINCIPAL_TYPE);
    const renewers = body.renewers.map((renewer) => principalOf(renewer.principalType, renewer.principalName));
    try {
      return answer(ErrorCode.NONE, await this.tokens.create(owner, requester, renewers, body.maxLifetimeMs));
    } catch (error) {
      if (error instanceof DelegationTokenStoreFull) return answer(ErrorCode.POLICY_VIOLATION);
      throw error;
    }
  }

  @KafkaApi(RenewDelegationTokenApi, { min: 0, max: 2 })
  async renew({ body, connection }: KafkaRequest<RenewDelegationTokenRequest>): Promise<RenewDelegationTokenResponse> {
    const checked = this.tokenFor(connection, body.hmac);
    if (typeof checked === 'number') return { errorCode: checked, expiryTimestampMs: -1, throttleTimeMs: 0 };
    // Kafka: a negative renew period takes the broker's default expiry time.
    const periodMs = body.renewPeriodMs < 0 ? this.tokens.expiryTimeMs : body.renewPeriodMs;
    const renewed = await this.tokens.setExpiry(checked.tokenId, this.clock.nowMs() + periodMs);
    return { errorCode: ErrorCode.NONE, expiryTimestampMs: renewed.expiryTimestampMs, throttleTimeMs: 0 };
  }

  @KafkaApi(ExpireDelegationTokenApi, { min: 0, max: 2 })
  async expire({ body, connection }: KafkaRequest<ExpireDelegationTokenRequest>): Promise<ExpireDelegationTokenResponse> {
    const checked = this.tokenFor(connection, body.hmac, body.expiryTimePeriodMs < 0);
    if (typeof checked === 'number') return { errorCode: checked, expiryTimestampMs: -1, throttleTimeMs: 0 };
    const now = this.clock.nowMs();
    // Kafka: a negative period expires the token at once (and removes it).
    if (body.expiryTimePeriodMs < 0) {
      await this.tokens.remove(checked.tokenId);
      return { errorCode: ErrorCode.NONE, expiryTimestampMs: now, throttleTimeMs: 0 };
    }
    const updated = await this.tokens.setExpiry(checked.tokenId, now + body.expiryTimePeriodMs);
    return { errorCode: ErrorCode.NONE, expiryTimestampMs: updated.expiryTimestampMs, throttleTimeMs: 0 };
  }

  @KafkaApi(DescribeDelegationTokenApi, { min: 0, max: 3 })
  async describe(request: KafkaRequest<DescribeDelegationTokenRequest>): Promise<DescribeDelegationTokenResponse> {
    const { body, connection } = request;
    const refused = refusal(connection, this.tokens);
    if (refused !== ErrorCode.NONE) return { errorCode: refused, tokens: [], throttleTimeMs: 0 };
    const owners = body.owners === null ? null : body.owners.map((o) => principalOf(o.principalType, o.principalName));
    const visible = this.tokens.all().filter((token) => {
      if (owners !== null && !owners.includes(token.owner) && !owners.includes(token.requester)) return false;
      return ownerOrRenewer(token, principalText(connection.principal)) || this.mayDescribe(request, token);
    });
    return { errorCode: ErrorCode.NONE, tokens: visible.map((token) => this.described(token)), throttleTimeMs: 0 };
  }

  /** Renew and expire: the token named by its HMAC, if the caller may change it, else the error (Kafka's order of checks). */
  private tokenFor(connection: ConnectionContext, hmac: Buffer, expiringNow = false): DelegationToken | number {
    const refused = refusal(connection, this.tokens);
    if (refused !== ErrorCode.NONE) return refused;
    const token = this.tokens.byHmac(hmac);
    if (token === undefined) return ErrorCode.DELEGATION_TOKEN_NOT_FOUND;
    if (!ownerOrRenewer(token, principalText(connection.principal))) return ErrorCode.DELEGATION_TOKEN_OWNER_MISMATCH;
    const now = this.clock.nowMs();
    if (!expiringNow && (token.maxTimestampMs < now || token.expiryTimestampMs < now)) return ErrorCode.DELEGATION_TOKEN_EXPIRED;
    return token;
  }

  private mayDescribe(request: KafkaRequest<unknown>, token: DelegationToken): boolean {
    return (
      authorized(this.authorizer, request, AclOperation.DESCRIBE, ResourceType.DELEGATION_TOKEN, token.tokenId) ||
      authorized(this.authorizer, request, AclOperation.DESCRIBE_TOKENS, ResourceType.USER, token.owner)
    );
  }

  private described(token: DelegationToken): DescribeDelegationTokenResponseDescribedDelegationToken {
    const owner = splitPrincipal(token.owner);
    const requester = splitPrincipal(token.requester);
    return {
      ...owner,
      tokenRequesterPrincipalType: requester.principalType,
      tokenRequesterPrincipalName: requester.principalName,
      issueTimestamp: token.issueTimestampMs,
      expiryTimestamp: token.expiryTimestampMs,
      maxTimestamp: token.maxTimestampMs,
      tokenId: token.tokenId,
      hmac: this.tokens.hmacOf(token.tokenId),
      renewers: token.renewers.map(splitPrincipal),
    };
  }
}
