/**
 * DescribeUserScramCredentials (key 50, v0) and AlterUserScramCredentials (key 51, v0): the
 * SCRAM users behind `kafka-configs --entity-type users --alter --add-config
 * 'SCRAM-SHA-512=[password=…]'` and Admin#alterUserScramCredentials, with Kafka's checks and
 * messages. The client sends the salted password (never the password); the broker keeps
 * StoredKey and ServerKey derived from it. A user's changes apply all or none.
 */
import { Controller } from '@nestjs/common';
import { ScramCredentialStore } from '../../authentication/scram-credential-store.js';
import { credentialFromSaltedPassword, SCRAM_MAX_ITERATIONS, SCRAM_MECHANISM_HASHES, SCRAM_MIN_ITERATIONS, type ScramCredential } from '../../authentication/scram.js';
import { ErrorCode } from '../../wire/error-codes.js';
import {
  AlterUserScramCredentialsApi,
  type AlterUserScramCredentialsRequest,
  type AlterUserScramCredentialsResponse,
} from '../../wire/messages/51-alter-user-scram-credentials.js';
import {
  DescribeUserScramCredentialsApi,
  type DescribeUserScramCredentialsRequest,
  type DescribeUserScramCredentialsResponse,
} from '../../wire/messages/50-describe-user-scram-credentials.js';
import { KafkaApi } from '../transport/kafka-api.decorator.js';
import type { KafkaRequest } from '../transport/kafka-request.js';

/** Kafka's ScramMechanism type codes. */
const MECHANISM_BY_CODE: ReadonlyMap<number, string> = new Map([
  [1, 'SCRAM-SHA-256'],
  [2, 'SCRAM-SHA-512'],
]);
const CODE_BY_MECHANISM: ReadonlyMap<string, number> = new Map([...MECHANISM_BY_CODE].map(([code, name]) => [name, code]));

interface UserOutcome {
  errorCode: number;
  errorMessage: string | null;
}

@Controller()
export class UserScramCredentialsHandler {
  constructor(private readonly store: ScramCredentialStore) {}

  @KafkaApi(DescribeUserScramCredentialsApi, { min: 0, max: 0 })
  async describe({ body }: KafkaRequest<DescribeUserScramCredentialsRequest>): Promise<DescribeUserScramCredentialsResponse> {
    const asked = body.users?.map((u) => u.name) ?? [];
    const users = asked.length === 0 ? this.store.list().map((entry) => entry.user) : asked;
    const results = users.map((user, index) => {
      const credentials = this.store.credentialsOf(user);
      if (asked.indexOf(user) !== index && asked.length > 0) {
        return { user, errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: `Cannot describe SCRAM credentials for the same user twice in a single request: ${user}`, credentialInfos: [] };
      }
      if (credentials.length === 0) {
        return { user, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: `Attempt to describe a user credential that does not exist: ${user}`, credentialInfos: [] };
      }
      const credentialInfos = credentials.map((c) => ({ mechanism: CODE_BY_MECHANISM.get(c.mechanism) ?? 0, iterations: c.iterations }));
      return { user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos };
    });
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, results };
  }

  @KafkaApi(AlterUserScramCredentialsApi, { min: 0, max: 0 })
  async alter({ body }: KafkaRequest<AlterUserScramCredentialsRequest>): Promise<AlterUserScramCredentialsResponse> {
    const outcomes = new Map<string, UserOutcome>();
    const fail = (user: string, errorCode: number, errorMessage: string) => {
      if (outcomes.get(user)?.errorCode ?? ErrorCode.NONE) return;
      outcomes.set(user, { errorCode, errorMessage });
    };
    const seen = new Set<string>();
    const touch = (user: string, mechanismCode: number): string | null => {
      if (!outcomes.has(user)) outcomes.set(user, { errorCode: ErrorCode.NONE, errorMessage: null });
      const mechanism = MECHANISM_BY_CODE.get(mechanismCode);
      if (user === '') fail(user, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty');
      else if (mechanism === undefined) fail(user, ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism');
      else if (seen.has(`${user}\0${mechanism}`)) fail(user, ErrorCode.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request');
      seen.add(`${user}\0${mechanism}`);
      return mechanism ?? null;
    };
    const deletions = body.deletions.flatMap(({ name, mechanism: code }) => {
      const mechanism = touch(name, code);
      if (mechanism !== null && this.store.get(name, mechanism) === undefined) {
        fail(name, ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist');
      }
      return mechanism === null ? [] : [{ user: name, mechanism }];
    });
    const upserts = body.upsertions.flatMap((upsertion) => {
      const mechanism = touch(upsertion.name, upsertion.mechanism);
      if (upsertion.iterations < SCRAM_MIN_ITERATIONS) fail(upsertion.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too few iterations');
      if (upsertion.iterations > SCRAM_MAX_ITERATIONS) fail(upsertion.name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too many iterations');
      return mechanism === null ? [] : [{ user: upsertion.name, mechanism, credential: credentialOf(mechanism, upsertion) }];
    });
    const ok = (entry: { user: string }) => outcomes.get(entry.user)?.errorCode === ErrorCode.NONE;
    await this.store.alter(upserts.filter(ok), deletions.filter(ok));
    return { throttleTimeMs: 0, results: [...outcomes].map(([user, outcome]) => ({ user, ...outcome })) };
  }
}

function credentialOf(mechanism: string, u: { iterations: number; salt: Buffer; saltedPassword: Buffer }): ScramCredential {
  return credentialFromSaltedPassword(SCRAM_MECHANISM_HASHES[mechanism]!, u.saltedPassword, u.salt, u.iterations);
}
