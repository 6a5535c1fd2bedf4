/**
 * The `security.bearer` section: its schema (exactly one of secretEnv and jwksFile, bounded tolerance), the
 * start refused when its key cannot be had (naming the variable or the file, never what it holds), and the
 * principal a token names (sub, known roles, applications, partitions, each claim's shape checked).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { ConfigError, parseConfig } from '../../src/config/load';
import { bearerSchema, type BearerConfig } from '../../src/config/securitySchema';
import { bearerVerifier } from '../../src/security/bearer';
import { securityPolicy, StartRefused } from '../../src/security/policy';
import { credentialOfOptions } from '../../src/cli/credentials';
import { authorizationOf, credentialOf } from '../../src/security/credentials';

const SECRET = 'unit-test-HS256-secret-0123456789abcdef';
const env = { JWT_SECRET: SECRET };
const section = (more: Record<string, unknown>): BearerConfig => bearerSchema.parse({ issuer: 'https://id.example.com/', audience: 'sdata-sync', ...more });
const hs256 = (claims: Record<string, unknown>) =>
  new SignJWT({ iss: 'https://id.example.com/', aud: 'sdata-sync', sub: 'paris', exp: Math.floor(Date.now() / 1000) + 300, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(SECRET));
const file = (name: string, text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'sdata-bearer-')), name);
  writeFileSync(path, text);
  return path;
};
const startError = (cfg: BearerConfig, vars: NodeJS.ProcessEnv = env): Error => {
  try {
    securityPolicy({ users: [], bearer: cfg }, '0.0.0.0', 'server', vars);
  } catch (err) {
    return err as Error;
  }
  throw new Error('it started');
};

describe('the security.bearer section', () => {
  test('exactly one of secretEnv and jwksFile; a bounded clock tolerance; defaults', () => {
    expect(() => parseConfig({ security: { bearer: { issuer: 'i', audience: 'a' } } }, {})).toThrow(/exactly one of secretEnv \(HS256\) and jwksFile/);
    expect(() => parseConfig({ security: { bearer: { issuer: 'i', audience: 'a', secretEnv: 'S', jwksFile: 'k.json' } } }, {})).toThrow(ConfigError);
    expect(() => parseConfig({ security: { bearer: { issuer: 'i', audience: 'a', secretEnv: 'S', clockToleranceSeconds: 3600 } } }, {})).toThrow(/clockToleranceSeconds/);
    expect(() => parseConfig({ security: { bearer: { issuer: 'i', audience: 'a', secretEnv: 'S', algorithm: 'none' } } }, {})).toThrow(/algorithm/);
    expect(() => parseConfig({ security: { bearer: { issuer: 'i', audience: 'a', secretEnv: 'not a name' } } }, {})).toThrow(/environment variable name/);
    expect(parseConfig({ security: { bearer: { issuer: 'i', audience: 'a', secretEnv: 'S' } } }, {}).security.bearer).toEqual({ issuer: 'i', audience: 'a', secretEnv: 'S', rolesClaim: 'roles', clockToleranceSeconds: 30 });
  });

  test('with bearer and no users, a server on a public address starts and anonymous callers get nothing', () => {
    expect(securityPolicy({ users: [], bearer: section({ secretEnv: 'JWT_SECRET' }) }, '0.0.0.0', 'server', env).anonymous.roles).toEqual([]);
    expect(securityPolicy({ users: [], bearer: section({ secretEnv: 'JWT_SECRET' }) }, '127.0.0.1', 'server', env).anonymous.roles).toEqual([]);
  });

  test('a missing or short secret stops the start, naming the variable and never the value', () => {
    const missing = startError(section({ secretEnv: 'JWT_SECRET' }), {});
    expect(missing).toBeInstanceOf(StartRefused);
    expect(missing.message).toContain('the environment variable JWT_SECRET (the HS256 secret) is not set');
    const short = startError(section({ secretEnv: 'JWT_SECRET' }), { JWT_SECRET: 'short-secret-7' });
    expect(short.message).toContain('JWT_SECRET holds fewer than 32 bytes');
    expect(short.message).not.toContain('short-secret-7');
  });

  test('an unreadable or invalid JWKS file stops the start, naming the file and never quoting it', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const cases: [string, string][] = [
      [join(tmpdir(), 'no-such-dir-sdata', 'jwks.json'), 'cannot be read (ENOENT)'],
      [file('text.json', 'secret-looking text, not JSON'), 'is not JSON'],
      [file('empty.json', '{"keys":[]}'), 'must be a JWKS, { "keys": [ ... ] } with 1 to 100 public keys'],
      [file('private.json', JSON.stringify({ keys: [await exportJWK(privateKey)] })), 'key 0 holds a private or secret key'],
      [file('oct.json', JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] })), 'key 0 holds a private or secret key'],
      [file('small.json', JSON.stringify({ keys: [small.publicKey.export({ format: 'jwk' })] })), 'key 0 is an RSA key of fewer than 2048 bits'],
      [file('alg.json', JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), alg: 'HS256' }] })), 'key 0 has alg "HS256": RS256 expected'],
      [file('broken.json', JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' }] })), 'key 0 is not a valid public key'],
    ];
    for (const [path, why] of cases) {
      const err = startError(section({ jwksFile: path }));
      expect(err).toBeInstanceOf(StartRefused);
      expect(err.message).toContain(`security.bearer.jwksFile ${path}: ${why}`);
      expect(err.message).not.toContain('secret-looking');
    }
  });

  test("a token's principal: sub, the known roles of its roles claim, its applications and partitions", async () => {
    const verifier = bearerVerifier(section({ secretEnv: 'JWT_SECRET', rolesClaim: 'https://sdata.example/roles', applicationsClaim: 'apps', partitionsClaim: 'partitions' }), env);
    const token = await hs256({ 'https://sdata.example/roles': ['read', 'offline_access', 'write', 'read'], apps: ['crm'], partitions: { accounts: ["country eq 'FR'"] } });
    expect(await verifier.verify(token)).toEqual({ principal: { user: 'paris', roles: ['read', 'write'], applications: ['crm'], partitions: { accounts: ["country eq 'FR'"] } } });
    // Claims absent: no role, every application, no partitions (what the roles reach).
    expect(await verifier.verify(await hs256({}))).toEqual({ principal: { user: 'paris', roles: [] } });
  });

  test.each([
    ['roles not an array', { roles: 'admin' }, "'roles' claim must be an array of role names"],
    ['too many roles', { roles: Array.from({ length: 101 }, () => 'read') }, "'roles' claim must be an array"],
    ['applications empty', { apps: [] }, "'apps' claim must be an array of application names"],
    ['partitions an array', { partitions: [["country eq 'FR'"]] }, "'partitions' claim must be an object"],
    ['partitions of a bad kind name', { partitions: { 'no kind!': ['x'] } }, "'partitions' claim must be an object"],
    ['too many partitions', { partitions: { accounts: Array.from({ length: 101 }, (_, i) => `n eq ${i}`) } }, "'partitions' claim must be an object"],
    ['sub too long', { sub: 'x'.repeat(257) }, 'sub must be a name of 1 to 256 characters'],
    ['sub with a control character', { sub: 'paris\nadmin' }, 'sub must be a name'],
  ])('a token whose %s is refused', async (_what, claims, why) => {
    const verifier = bearerVerifier(section({ secretEnv: 'JWT_SECRET', applicationsClaim: 'apps', partitionsClaim: 'partitions' }), env);
    expect(await verifier.verify(await hs256(claims))).toEqual({ refused: expect.stringContaining(`the token's ${why}`) });
  });

  test("a claim is the token's own: a roles claim named constructor is absent from a token without it", async () => {
    const verifier = bearerVerifier(section({ secretEnv: 'JWT_SECRET', rolesClaim: 'constructor' }), env);
    expect(await verifier.verify(await hs256({}))).toEqual({ principal: { user: 'paris', roles: [] } });
  });
});

describe('the token a client of ours sends', () => {
  test('auth: { tokenEnv } reads the variable, trimmed; a missing or malformed one is refused naming only the variable', () => {
    expect(authorizationOf(credentialOf({ tokenEnv: 'T' }, { T: ' aaa.bbb.ccc\n' })!)).toBe('Bearer aaa.bbb.ccc');
    expect(() => credentialOf({ tokenEnv: 'T' }, {})).toThrow('environment variable T (the bearer token) is not set');
    expect(() => credentialOf({ tokenEnv: 'T' }, { T: 'two words' })).toThrow(/^environment variable T \(the bearer token\) does not hold a token/);
    expect(() => credentialOf({ tokenEnv: 'T' }, { T: 'two words' })).not.toThrow(/two words/);
  });

  test('auth is { user, passwordEnv } or { tokenEnv }, not both, and the configuration says so', () => {
    const route = (auth: unknown) => ({ engine: { routes: [{ name: 'r', source: 'http://a.example/sdata/crm/test/-/accounts', target: 'http://b.example/sdata/crm/test/-/accounts', auth }] } });
    expect(parseConfig(route({ tokenEnv: 'ENGINE_TOKEN' }), {}).engine.routes[0].auth).toEqual({ tokenEnv: 'ENGINE_TOKEN' });
    for (const auth of [{ user: 'engine' }, { user: 'engine', passwordEnv: 'P', tokenEnv: 'T' }]) {
      expect(() => parseConfig(route(auth), {})).toThrow('engine.routes.0.auth: must be { user, passwordEnv } (HTTP Basic) or { tokenEnv } (a bearer token)');
    }
  });

  test('--token-env NAME, or --user, not both', () => {
    expect(credentialOfOptions({ tokenEnv: 'T' }, { T: 'aaa.bbb.ccc' })).toEqual({ token: 'aaa.bbb.ccc' });
    expect(() => credentialOfOptions({ tokenEnv: 'T', user: 'engine' }, { T: 'aaa.bbb.ccc', SDATA_PASSWORD: 'p' })).toThrow('give --user or --token-env, not both');
    expect(() => credentialOfOptions({ tokenEnv: 'T' }, {})).toThrow('--token-env: environment variable T (the bearer token) is not set');
    expect(credentialOfOptions({ user: 'engine' }, { SDATA_PASSWORD: 'p' })).toEqual({ user: 'engine', password: 'p' });
  });
});
