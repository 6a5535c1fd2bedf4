/**
 * Tokens of an identity provider (`security.bearer`) at the endpoint server, over HTTP: a good token's
 * roles decide (200 / 403), Basic users keep working beside it, and every bad token (expired, not yet
 * valid, another issuer or audience, a wrong signature, alg none, HS256 over the public key, claims of the
 * wrong shape, too long) is a 401 with a diagnosis and `WWW-Authenticate: Bearer realm="sdata-sync",
 * error="invalid_token"`. The server's log, at trace level, holds no token, no signature and no secret.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { parseConfig } from '../../src/config/load';
import { demoConfig } from '../../src/config/demo';
import { startServer, type RunningServer } from '../../src/endpoint/server';
import { describeEachDatabase } from '../support/databases';
import { account, entryWith } from '../endpoint/support/xmlBodies';
import { basic, securitySection, type TestUser } from './support';

const ISSUER = 'https://id.example.com/';
const AUDIENCE = 'sdata-sync';
const SECRET = 'hs256-Secret-for-the-tests-4b1d9e27c0a8f356';
const SECRET_ENV = 'TEST_BEARER_SECRET';
const READER: TestUser = { name: 'reader', password: 'reader-pass', roles: ['read'] };
const INVALID_TOKEN = 'Bearer realm="sdata-sync", error="invalid_token"';

const now = () => Math.floor(Date.now() / 1000);
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

interface Claims {
  [claim: string]: unknown;
}

/** A token with the issuer, audience, subject and a five-minute expiry of the tests, and `claims` over them. */
async function signed(key: Uint8Array | CryptoKey, alg: string, claims: Claims = {}): Promise<string> {
  const payload = { iss: ISSUER, aud: AUDIENCE, sub: 'paris', exp: now() + 300, roles: ['read'], ...claims };
  return new SignJWT(payload as Claims).setProtectedHeader({ alg }).sign(key);
}
const hs256 = (claims?: Claims, secret = SECRET) => signed(new TextEncoder().encode(secret), 'HS256', claims);

function capturedLog() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { log: pino({ level: 'trace' }, stream), lines };
}

interface Answer {
  status: number;
  challenge: string | null;
  body: string;
}

async function call(url: string, authorization?: string, init: { method?: string; body?: string; header?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/atom+xml;type=entry' };
  if (authorization) headers[init.header ?? 'authorization'] = authorization;
  const res = await fetch(url, { method: init.method ?? 'GET', body: init.body, headers });
  // The body as a reader sees its text (XML escapes undone).
  const body = (await res.text()).replace(/&apos;/g, "'").replace(/&quot;/g, '"').replace(/&gt;/g, '>').replace(/&lt;/g, '<').replace(/&amp;/g, '&');
  return { status: res.status, challenge: res.headers.get('www-authenticate'), body };
}

const ACCOUNT = (name: string) => entryWith(account(`<name>${name}</name>`));

describeEachDatabase('bearer tokens at the endpoint server', (tdb) => {
  const captured = capturedLog();
  /** Every token sent, good or bad: none may show in the log. */
  const sent: string[] = [];
  let hsServer: RunningServer;
  let jwksServer: RunningServer;
  let plainServer: RunningServer;
  let rsa: { privateKey: CryptoKey; publicKey: CryptoKey };
  let ec: { privateKey: CryptoKey; publicKey: CryptoKey };

  const bearer = (token: string) => {
    sent.push(token);
    return `Bearer ${token}`;
  };
  const accounts = (server: RunningServer) => `${server.url}/sdata/crm/test/-/accounts`;

  beforeAll(async () => {
    process.env[SECRET_ENV] = SECRET;
    const users = await securitySection([READER], []);
    const bearerSection = { issuer: ISSUER, audience: AUDIENCE, rolesClaim: 'roles', partitionsClaim: 'partitions' };
    const hsCfg = parseConfig({ ...demoConfig, server: { port: 0 }, security: { ...users, bearer: { ...bearerSection, secretEnv: SECRET_ENV } }, log: { level: 'trace' } }, {});
    hsServer = await startServer(hsCfg, { db: await tdb.open(), port: 0, log: captured.log });

    rsa = await generateKeyPair('RS256');
    ec = await generateKeyPair('ES256');
    const dir = mkdtempSync(join(tmpdir(), 'sdata-jwks-'));
    const jwksFile = join(dir, 'jwks.json');
    writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256' }, { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256' }] }));
    const jwksCfg = parseConfig({ ...demoConfig, server: { port: 0 }, security: { ...users, bearer: { ...bearerSection, jwksFile } }, log: { level: 'trace' } }, {});
    jwksServer = await startServer(jwksCfg, { db: await tdb.open(), port: 0, log: captured.log });

    const plainCfg = parseConfig({ ...demoConfig, server: { port: 0 }, security: users, log: { level: 'trace' } }, {});
    plainServer = await startServer(plainCfg, { db: await tdb.open(), port: 0, log: captured.log });
  });

  afterAll(async () => {
    delete process.env[SECRET_ENV];
    await hsServer?.close();
    await jwksServer?.close();
    await plainServer?.close();
  });

  test('an HS256 token: its roles decide (read 200, write 403; write 201), in Authorization or X-Authorization', async () => {
    const reader = await hs256({ roles: ['read', 'auditor'] });
    expect((await call(accounts(hsServer), bearer(reader))).status).toBe(200);
    expect((await call(accounts(hsServer), bearer(reader), { header: 'x-authorization' })).status).toBe(200);
    const refused = await call(accounts(hsServer), bearer(reader), { method: 'POST', body: ACCOUNT('By token') });
    expect(refused.status).toBe(403);
    expect(refused.body).toContain("user 'paris' is refused");
    const writer = await hs256({ roles: ['read', 'write'] });
    const created = await call(accounts(hsServer), bearer(writer), { method: 'POST', body: ACCOUNT('By token') });
    expect(created.status).toBe(201);
    // A token without a roles claim has no role.
    expect((await call(accounts(hsServer), bearer(await hs256({ roles: undefined })))).status).toBe(403);
  });

  test("a change made with a token records its sub as the user of the change (sync:user)", async () => {
    const writer = await hs256({ sub: 'token-writer', roles: ['write', 'sync'] });
    expect((await call(accounts(hsServer), bearer(writer), { method: 'POST', body: ACCOUNT('Written by token') })).status).toBe(201);
    const digest = `<entry xmlns="http://www.w3.org/2005/Atom" xmlns:sdata="http://schemas.sage.com/sdata/2008/1" xmlns:sync="http://schemas.sage.com/sdata/sync/2008/1"><sdata:payload><sync:digest><sync:origin>${hsServer.url}/sdata/erp/test/-/accounts</sync:origin></sync:digest></sdata:payload></entry>`;
    const page = await call(`${accounts(hsServer)}/$syncSource`, bearer(writer), { method: 'POST', body: digest });
    expect(page.status).toBe(200);
    const entry = page.body.split('<entry>').find((e) => e.includes('Written by token'));
    expect(entry).toMatch(/<sync:user>token-writer<\/sync:user>/);
  });

  test('a token within the clock tolerance (expired 10 s ago, valid in 10 s) is accepted', async () => {
    expect((await call(accounts(hsServer), bearer(await hs256({ exp: now() - 10 })))).status).toBe(200);
    expect((await call(accounts(hsServer), bearer(await hs256({ nbf: now() + 10 })))).status).toBe(200);
  });

  const badHs256: [string, () => Promise<string>, string][] = [
    ['expired', () => hs256({ exp: now() - 120 }), 'the token has expired'],
    ['not yet valid', () => hs256({ nbf: now() + 120 }), 'not valid yet'],
    ['of another issuer', () => hs256({ iss: 'https://evil.example.com/' }), `not issued by ${ISSUER}`],
    ['for another audience', () => hs256({ aud: 'another-service' }), `not meant for ${AUDIENCE}`],
    ['without exp', () => hs256({ exp: undefined }), 'no exp claim'],
    ['without sub', () => hs256({ sub: undefined }), 'no sub claim'],
    ['signed with another secret', () => hs256({}, 'another-secret-of-enough-length-0123456789'), 'signature does not verify'],
    ['whose payload was changed after signing', async () => {
      const [head, , signature] = (await hs256()).split('.');
      return `${head}.${b64url({ iss: ISSUER, aud: AUDIENCE, sub: 'paris', exp: now() + 300, roles: ['admin'] })}.${signature}`;
    }, 'signature does not verify'],
    ['with alg none', async () => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ iss: ISSUER, aud: AUDIENCE, sub: 'paris', exp: now() + 300, roles: ['admin'] })}.`, 'algorithm is not accepted'],
    ['whose roles claim is not an array', () => hs256({ roles: 'admin' }), "'roles' claim must be an array"],
    ['whose partitions claim is not an object of arrays', () => hs256({ partitions: { accounts: "country eq 'FR'" } }), "'partitions' claim must be an object"],
    ['longer than 8 kB', () => hs256({ padding: 'x'.repeat(8200) }), 'longer than 8192 characters'],
    ['that is no JWT', async () => 'not-a-jwt', 'not a valid JWT'],
  ];

  test.each(badHs256)('a token %s is a 401 with the invalid_token challenge and a diagnosis', async (_what, token, why) => {
    const answer = await call(accounts(hsServer), bearer(await token()));
    expect(answer).toMatchObject({ status: 401, challenge: INVALID_TOKEN });
    expect(answer.body).toContain('<sdata:applicationCode>InvalidToken</sdata:applicationCode>');
    expect(answer.body).toContain(why);
  });

  test('a refused token changes nothing', async () => {
    const before = await call(accounts(hsServer), `Basic ${Buffer.from('reader:reader-pass').toString('base64')}`);
    const answer = await call(accounts(hsServer), bearer(await hs256({ roles: ['write'], exp: now() - 120 })), { method: 'POST', body: ACCOUNT('Refused') });
    expect(answer.status).toBe(401);
    const after = await call(accounts(hsServer), basic(READER.name, READER.password));
    expect(before.status).toBe(200);
    expect(after.body.match(/<entry>/g)?.length).toBe(before.body.match(/<entry>/g)?.length);
    expect(after.body).not.toContain('Refused');
  });

  test('Basic users keep working beside tokens; a request without credentials is challenged with both schemes', async () => {
    expect((await call(accounts(hsServer), basic(READER.name, READER.password))).status).toBe(200);
    expect(await call(accounts(hsServer), basic(READER.name, 'wrong'))).toMatchObject({ status: 401, challenge: 'Basic realm="sdata-sync", charset="UTF-8", Bearer realm="sdata-sync"' });
    const none = await call(accounts(hsServer));
    expect(none).toMatchObject({ status: 401, challenge: 'Basic realm="sdata-sync", charset="UTF-8", Bearer realm="sdata-sync"' });
    expect(none.body).toContain('HTTP Basic or a Bearer token');
  });

  test('a server without security.bearer refuses a bearer token with 401 (its challenge names Basic only)', async () => {
    const answer = await call(accounts(plainServer), bearer(await hs256({ roles: ['admin'] })));
    expect(answer).toMatchObject({ status: 401, challenge: 'Basic realm="sdata-sync", charset="UTF-8"' });
    expect(answer.body).toContain('bearer tokens are not accepted here');
    expect((await call(accounts(plainServer))).challenge).toBe('Basic realm="sdata-sync", charset="UTF-8"');
  });

  test('RS256 and ES256 tokens verify with the keys of the JWKS file', async () => {
    const rs = await new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'berlin', exp: now() + 300, roles: ['read'] }).setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' }).sign(rsa.privateKey);
    const es = await new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'berlin', exp: now() + 300, roles: ['read'] }).setProtectedHeader({ alg: 'ES256', kid: 'ec-1' }).sign(ec.privateKey);
    expect((await call(accounts(jwksServer), bearer(rs))).status).toBe(200);
    expect((await call(accounts(jwksServer), bearer(es))).status).toBe(200);
  });

  test('with a JWKS file: HS256 signed with the public key (alg confusion), an HS256 token, another key pair: 401', async () => {
    const publicPem = await exportSPKI(rsa.publicKey);
    const confused = await signed(new TextEncoder().encode(publicPem), 'HS256', { roles: ['admin'] });
    const other = await generateKeyPair('RS256');
    const strange = await new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'berlin', exp: now() + 300, roles: ['read'] }).setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' }).sign(other.privateKey);
    for (const [token, why] of [
      [confused, 'algorithm is not accepted here (RS256, ES256)'],
      [await hs256(), 'algorithm is not accepted'],
      [strange, 'signature does not verify'],
    ]) {
      const answer = await call(accounts(jwksServer), bearer(token));
      expect(answer).toMatchObject({ status: 401, challenge: INVALID_TOKEN });
      expect(answer.body).toContain(why);
    }
  });

  test('the log of every request above holds no token, no signature and no secret', () => {
    expect(sent.length).toBeGreaterThan(20);
    const log = captured.lines.join('');
    // The requests were logged, the refused ones with their challenge; the Authorization header as [redacted].
    expect(log).toContain('error=\\"invalid_token\\"');
    expect(log).toContain('"authorization":"[redacted]"');
    const forms = [SECRET, Buffer.from(SECRET).toString('base64').replace(/=+$/, ''), Buffer.from(SECRET).toString('base64url')];
    for (const token of sent) {
      forms.push(token);
      const signature = token.split('.')[2];
      if (signature && signature.length > 16) forms.push(signature);
    }
    for (const form of forms) expect(log.includes(form) ? form : '').toBe('');
  });
});
