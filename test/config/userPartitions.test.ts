/**
 * A user's partitions in the configuration (`security.users[].partitions`): each expression must be one
 * of the configured partitions of a kind of that name (compared in the one spelling of
 * src/protocol/partitions.ts#canonicalWhere), in the user's applications; anything else is a
 * configuration error naming the user and the expression.
 */
import { ConfigError, parseConfig } from '../../src/config/load';

const HASH = 'scrypt$N=1024,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA==$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U=';

const kinds = [
  { name: 'accounts', element: 'account', properties: { country: { type: 'string', required: true } }, partitions: [{ where: "country eq 'FR'" }, { where: "country eq 'DE'" }] },
  { name: 'products', element: 'product', properties: { name: { type: 'string' } } },
];

const doc = (user: Record<string, unknown>) => ({
  server: { publicBaseUrl: 'http://hq.example' },
  applications: [
    { name: 'hq', contract: 'test', namespace: 'urn:hq', kinds },
    { name: 'shop', contract: 'test', namespace: 'urn:shop', kinds: [kinds[1]] },
  ],
  security: { users: [{ name: 'paris', passwordHash: HASH, roles: ['read'], ...user }] },
});

function refusal(input: unknown): string {
  try {
    parseConfig(input, {});
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('security.users[].partitions', () => {
  it.each([
    ['one partition', { accounts: ["country eq 'FR'"] }, undefined],
    ['another spelling of it', { accounts: ["  country  eq   'FR' "] }, undefined],
    ['both partitions', { accounts: ["country eq 'FR'", "country eq 'DE'"] }, undefined],
    ['within the applications of the user', { accounts: ["country eq 'DE'"] }, ['hq']],
  ])('accepts %s', (_, partitions, applications) => {
    const cfg = parseConfig(doc({ partitions, ...(applications ? { applications } : {}) }), {});
    expect(cfg.security.users[0].partitions).toEqual(partitions);
  });

  it.each([
    ['an expression that is no partition of the kind', { accounts: ["country eq 'IT'"] }, undefined, `security.users.0.partitions.accounts.0: user 'paris': "country eq 'IT'" is not a partition of kind 'accounts' (its partitions are "country eq 'FR'", "country eq 'DE'")`],
    ['a string literal spelled otherwise (its spaces count)', { accounts: ["country eq 'FR '"] }, undefined, `user 'paris': "country eq 'FR '" is not a partition of kind 'accounts'`],
    ['a kind no application partitions', { products: ["name eq 'x'"] }, undefined, `security.users.0.partitions.products.0: user 'paris': "name eq 'x'" is not a partition of kind 'products' (no application partitions a kind 'products')`],
    ['a kind no application declares', { acounts: ["country eq 'FR'"] }, undefined, `user 'paris': "country eq 'FR'" is not a partition of kind 'acounts' (no application partitions a kind 'acounts')`],
    ['a kind partitioned only outside the applications of the user', { accounts: ["country eq 'FR'"] }, ['shop'], `user 'paris': "country eq 'FR'" is not a partition of kind 'accounts' (no application of the user partitions a kind 'accounts')`],
  ])('refuses %s, naming the user and the expression', (_, partitions, applications, message) => {
    expect(refusal(doc({ partitions, ...(applications ? { applications } : {}) }))).toContain(message);
  });

  it('refuses an expression over 1000 characters and a name that is no kind name', () => {
    expect(refusal(doc({ partitions: { accounts: ['x'.repeat(1001)] } }))).toContain('security.users.0.partitions.accounts.0');
    expect(refusal(doc({ partitions: { 'no kind': ["country eq 'FR'"] } }))).toContain('security.users.0.partitions.no kind: Invalid key');
  });
});
