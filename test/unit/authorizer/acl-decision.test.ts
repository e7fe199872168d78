/**
 * The authorizer's decision (Kafka's StandardAuthorizer rules) over hand-made ACL sets:
 * literal, wildcard and prefixed patterns, principals and hosts (and their wildcards), deny
 * winning over allow, implied operations, super users, allow_everyone_if_no_acl_found, and
 * the "some resource of the type" decision of KIP-679; plus which bindings CreateAcls may
 * store and which bindings a DescribeAcls / DeleteAcls filter matches.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AclBinding,
  type AclBindingFilter,
  AclOperation as Op,
  bindingProblem,
  filterMatches,
  filterProblem,
  PatternType,
  PermissionType,
  ResourceType,
} from '../../../src/authorizer/acl.js';
import { type AuthorizerPolicy, decide, decideForAnyResource, type Session } from '../../../src/authorizer/acl-decision.js';

function acl(over: Partial<AclBinding>): AclBinding {
  return {
    resourceType: ResourceType.TOPIC,
    resourceName: 'orders',
    patternType: PatternType.LITERAL,
    principal: 'User:alice',
    host: '*',
    operation: Op.READ,
    permissionType: PermissionType.ALLOW,
    ...over,
  };
}

const ALICE: Session = { principal: 'User:alice', host: '10.0.0.1' };
const BOB: Session = { principal: 'User:bob', host: '10.0.0.2' };
const STRICT: AuthorizerPolicy = { superUsers: new Set(['User:root']), allowEveryoneIfNoAclFound: false };
const OPEN: AuthorizerPolicy = { superUsers: new Set(), allowEveryoneIfNoAclFound: true };

interface Case {
  readonly name: string;
  readonly acls: readonly AclBinding[];
  readonly session?: Session;
  readonly operation?: number;
  readonly resource?: string;
  readonly policy?: AuthorizerPolicy;
  readonly allowed: boolean;
}

const CASES: readonly Case[] = [
  { name: 'a literal allow for the principal grants', acls: [acl({})], allowed: true },
  { name: 'no ACL at all refuses by default', acls: [], allowed: false },
  { name: 'no ACL at all allows with allow_everyone_if_no_acl_found', acls: [], policy: OPEN, allowed: true },
  { name: 'an ACL for someone else on the resource refuses even with allow_everyone', acls: [acl({ principal: 'User:bob' })], policy: OPEN, allowed: false },
  { name: 'an ACL on another resource leaves this one to allow_everyone', acls: [acl({ resourceName: 'payments' })], policy: OPEN, allowed: true },
  { name: 'a super user needs no ACL', acls: [], session: { principal: 'User:root', host: 'x' }, allowed: true },
  { name: 'a super user is not refused by a deny', acls: [acl({ principal: 'User:root', permissionType: PermissionType.DENY })], session: { principal: 'User:root', host: 'x' }, allowed: true },
  { name: 'another principal is refused', acls: [acl({})], session: BOB, allowed: false },
  { name: 'User:* applies to everyone', acls: [acl({ principal: 'User:*' })], session: BOB, allowed: true },
  { name: 'a literal * resource covers every name', acls: [acl({ resourceName: '*' })], resource: 'anything', allowed: true },
  { name: 'a prefixed pattern covers names that start with it', acls: [acl({ resourceName: 'ord', patternType: PatternType.PREFIXED })], allowed: true },
  { name: 'a prefixed pattern does not cover other names', acls: [acl({ resourceName: 'pay', patternType: PatternType.PREFIXED })], allowed: false },
  { name: 'a literal name is not a prefix', acls: [acl({ resourceName: 'ord' })], allowed: false },
  { name: 'the host must match', acls: [acl({ host: '10.0.0.9' })], allowed: false },
  { name: 'the exact host matches', acls: [acl({ host: '10.0.0.1' })], allowed: true },
  { name: 'another operation does not grant', acls: [acl({ operation: Op.WRITE })], allowed: false },
  { name: 'ALL grants every operation', acls: [acl({ operation: Op.ALL })], operation: Op.ALTER_CONFIGS, allowed: true },
  { name: 'deny wins over allow on the same pattern', acls: [acl({}), acl({ permissionType: PermissionType.DENY })], allowed: false },
  { name: 'a prefixed deny wins over a literal allow', acls: [acl({}), acl({ resourceName: 'o', patternType: PatternType.PREFIXED, permissionType: PermissionType.DENY })], allowed: false },
  { name: 'a deny for User:* wins over an allow for the principal', acls: [acl({}), acl({ principal: 'User:*', permissionType: PermissionType.DENY })], allowed: false },
  { name: 'a deny for ALL denies every operation', acls: [acl({}), acl({ operation: Op.ALL, permissionType: PermissionType.DENY })], allowed: false },
  { name: 'a deny of Write does not refuse Read', acls: [acl({}), acl({ operation: Op.WRITE, permissionType: PermissionType.DENY })], allowed: true },
  { name: 'a deny for another host does not apply', acls: [acl({}), acl({ host: '10.0.0.9', permissionType: PermissionType.DENY })], allowed: true },
  { name: 'Read implies Describe', acls: [acl({ operation: Op.READ })], operation: Op.DESCRIBE, allowed: true },
  { name: 'Write implies Describe', acls: [acl({ operation: Op.WRITE })], operation: Op.DESCRIBE, allowed: true },
  { name: 'Delete implies Describe', acls: [acl({ operation: Op.DELETE })], operation: Op.DESCRIBE, allowed: true },
  { name: 'Alter implies Describe', acls: [acl({ operation: Op.ALTER })], operation: Op.DESCRIBE, allowed: true },
  { name: 'Create does not imply Describe', acls: [acl({ operation: Op.CREATE })], operation: Op.DESCRIBE, allowed: false },
  { name: 'AlterConfigs implies DescribeConfigs', acls: [acl({ operation: Op.ALTER_CONFIGS })], operation: Op.DESCRIBE_CONFIGS, allowed: true },
  { name: 'Describe does not imply Read', acls: [acl({ operation: Op.DESCRIBE })], operation: Op.READ, allowed: false },
  { name: 'a deny of Read does not deny the Describe it implies', acls: [acl({ operation: Op.DESCRIBE }), acl({ permissionType: PermissionType.DENY })], operation: Op.DESCRIBE, allowed: true },
];

describe('decide (one resource)', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const allowed = decide(c.acls, c.policy ?? STRICT, c.session ?? ALICE, c.operation ?? Op.READ, c.resource ?? 'orders');
      assert.equal(allowed, c.allowed);
    });
  }
});

describe('decideForAnyResource (KIP-679: Write on some topic)', () => {
  const write = (over: Partial<AclBinding>) => acl({ operation: Op.WRITE, ...over });
  it('grants with an allow on one topic', () => {
    assert.equal(decideForAnyResource([write({})], STRICT, ALICE, Op.WRITE), true);
  });
  it('refuses when a wider deny cancels the only allow', () => {
    const acls = [write({}), write({ resourceName: '*', permissionType: PermissionType.DENY })];
    assert.equal(decideForAnyResource(acls, STRICT, ALICE, Op.WRITE), false);
  });
  it('grants when the deny is on another topic', () => {
    const acls = [write({}), write({ resourceName: 'payments', permissionType: PermissionType.DENY })];
    assert.equal(decideForAnyResource(acls, STRICT, ALICE, Op.WRITE), true);
  });
  it('refuses a principal with no allow, and follows allow_everyone when the type has no ACL', () => {
    assert.equal(decideForAnyResource([write({})], STRICT, BOB, Op.WRITE), false);
    assert.equal(decideForAnyResource([], STRICT, BOB, Op.WRITE), false);
    assert.equal(decideForAnyResource([], OPEN, BOB, Op.WRITE), true);
  });
});

describe('bindingProblem (what CreateAcls may store)', () => {
  const refused: ReadonlyArray<[string, Partial<AclBinding>]> = [
    ['resource type ANY', { resourceType: ResourceType.ANY }],
    ['pattern type MATCH', { patternType: PatternType.MATCH }],
    ['pattern type ANY', { patternType: PatternType.ANY }],
    ['operation ANY', { operation: Op.ANY }],
    ['an unknown operation', { operation: 99 }],
    ['permission ANY', { permissionType: PermissionType.ANY }],
    ['a principal without a type', { principal: 'alice' }],
    ['an empty resource name', { resourceName: '' }],
    ['a cluster not named kafka-cluster', { resourceType: ResourceType.CLUSTER, resourceName: 'other' }],
  ];
  for (const [what, over] of refused) {
    it(`refuses ${what}`, () => assert.notEqual(bindingProblem(acl(over)), null));
  }
  it('accepts a literal, a prefixed and a cluster binding', () => {
    assert.equal(bindingProblem(acl({})), null);
    assert.equal(bindingProblem(acl({ patternType: PatternType.PREFIXED, permissionType: PermissionType.DENY })), null);
    assert.equal(bindingProblem(acl({ resourceType: ResourceType.CLUSTER, resourceName: 'kafka-cluster', operation: Op.ALTER })), null);
  });
});

describe('filterMatches (DescribeAcls, DeleteAcls)', () => {
  const ANY: AclBindingFilter = {
    resourceType: ResourceType.ANY,
    resourceName: null,
    patternType: PatternType.ANY,
    principal: null,
    host: null,
    operation: Op.ANY,
    permissionType: PermissionType.ANY,
  };
  const prefixed = acl({ resourceName: 'ord', patternType: PatternType.PREFIXED });
  const wildcard = acl({ resourceName: '*' });
  const literal = acl({});
  const other = acl({ resourceName: 'payments', principal: 'User:bob', operation: Op.WRITE });
  const all = [prefixed, wildcard, literal, other];
  const matched = (filter: Partial<AclBindingFilter>) => all.filter((b) => filterMatches({ ...ANY, ...filter }, b));

  it('the ANY filter matches everything', () => assert.deepEqual(matched({}), all));
  it('LITERAL with a name matches that exact literal only', () => {
    assert.deepEqual(matched({ patternType: PatternType.LITERAL, resourceName: 'orders' }), [literal]);
  });
  it('MATCH with a name matches every pattern that covers it', () => {
    assert.deepEqual(matched({ patternType: PatternType.MATCH, resourceName: 'orders' }), [prefixed, wildcard, literal]);
  });
  it('principal, operation and resource type narrow the match', () => {
    assert.deepEqual(matched({ principal: 'User:bob' }), [other]);
    assert.deepEqual(matched({ operation: Op.WRITE }), [other]);
    assert.deepEqual(matched({ resourceType: ResourceType.GROUP }), []);
  });
  it('a malformed filter is a problem', () => {
    assert.notEqual(filterProblem({ ...ANY, resourceType: 0 }), null);
    assert.notEqual(filterProblem({ ...ANY, patternType: 9 }), null);
    assert.notEqual(filterProblem({ ...ANY, principal: 'nocolon' }), null);
    assert.equal(filterProblem(ANY), null);
  });
});
