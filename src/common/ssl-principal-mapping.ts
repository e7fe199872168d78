/**
 * Kafka's ssl.principal.mapping.rules: how a client certificate's RFC 2253 DN becomes the
 * name in `User:<name>`. A comma list of `RULE:<regex>/<replacement>/[L|U]` and `DEFAULT`
 * (the DN as is), tried in order; the first rule whose regex matches the whole DN wins, and
 * a DN no rule matches is refused (Kafka's NoMatchingRule). Example:
 *   RULE:^CN=([^,]+),OU=ServiceUsers.*$/$1/L,DEFAULT
 */

export interface PrincipalRule {
  /** null: DEFAULT. */
  readonly pattern: RegExp | null;
  readonly replacement: string;
  readonly caseChange: 'L' | 'U' | null;
}

export class InvalidMappingRules extends Error {}

const RULE = /\s*(?:(DEFAULT)|RULE:((?:[^/\\]|\\.)*)\/((?:[^/\\]|\\.)*)\/?([LU])?)\s*(?:,|$)/y;

export function parsePrincipalMappingRules(text: string): PrincipalRule[] {
  const rules: PrincipalRule[] = [];
  RULE.lastIndex = 0;
  while (RULE.lastIndex < text.length) {
    const at = RULE.lastIndex;
    const match = RULE.exec(text);
    if (match === null || match[0] === '') throw new InvalidMappingRules(`cannot read a rule at '${text.slice(at)}' (RULE:regex/replacement/[L|U] or DEFAULT)`);
    rules.push(match[1] !== undefined ? { pattern: null, replacement: '', caseChange: null } : toRule(match[2]!, match[3]!, match[4]));
  }
  if (rules.length === 0) throw new InvalidMappingRules('no rule (DEFAULT keeps the DN)');
  return rules;
}

function toRule(pattern: string, replacement: string, caseChange: string | undefined): PrincipalRule {
  try {
    return { pattern: new RegExp(`^(?:${pattern})$`), replacement, caseChange: (caseChange as 'L' | 'U' | undefined) ?? null };
  } catch (error) {
    throw new InvalidMappingRules(`'${pattern}' is not a regular expression: ${(error as Error).message}`);
  }
}

/** The principal name for `dn`, or null when no rule matches (the connection is refused). */
export function mapPrincipalName(rules: readonly PrincipalRule[], dn: string): string | null {
  for (const rule of rules) {
    if (rule.pattern === null) return dn;
    if (!rule.pattern.test(dn)) continue;
    const name = dn.replace(rule.pattern, rule.replacement);
    return rule.caseChange === 'L' ? name.toLowerCase() : rule.caseChange === 'U' ? name.toUpperCase() : name;
  }
  return null;
}
