/** Kafka's ssl.principal.mapping.rules, with the examples of Kafka's documentation. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidMappingRules, mapPrincipalName, parsePrincipalMappingRules } from '../../../src/common/ssl-principal-mapping.js';

describe('ssl_principal_mapping_rules', () => {
  const rules = parsePrincipalMappingRules('RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/,RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/L,RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/U,DEFAULT');

  it('maps DNs as Kafka documents it', () => {
    assert.equal(mapPrincipalName(rules, 'CN=serviceuser,OU=ServiceUsers,O=Unknown,L=Unknown,ST=Unknown,C=Unknown'), 'serviceuser');
    assert.equal(mapPrincipalName(rules, 'CN=adminUser,OU=Admin,O=Unknown,L=Unknown,ST=Unknown,C=Unknown'), 'adminuser@admin');
    assert.equal(mapPrincipalName(rules, 'OU=Example,CN=app1.example.com'), 'APP1.EXAMPLE.COM');
    assert.equal(mapPrincipalName(parsePrincipalMappingRules('DEFAULT'), 'CN=x,O=y'), 'CN=x,O=y');
  });

  it('refuses a DN no rule matches, and rules it cannot read', () => {
    assert.equal(mapPrincipalName(parsePrincipalMappingRules('RULE:^CN=(.*),O=Blink$/$1/'), 'CN=x,O=Other'), null);
    assert.throws(() => parsePrincipalMappingRules('RULES:x/y/'), InvalidMappingRules);
    assert.throws(() => parsePrincipalMappingRules('RULE:([/x/'), InvalidMappingRules);
  });
});
