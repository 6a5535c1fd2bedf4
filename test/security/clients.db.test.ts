/**
 * What SData clients send (PROTOCOL.md 8, Sage/SDataJavaScriptClientLib's SDataService.createHeadersForRequest):
 * `X-Authorization-Mode: no-challenge` on every request and, with credentials, the same `Basic` token in
 * both `Authorization` and `X-Authorization`. And what an authenticated change leaves in the sync state:
 * the user, as `sync:user` in the sync feed.
 */
import request from 'supertest';
import { NS } from '../../src/atom/namespaces';
import { child, childText } from '../../src/atom/xml';
import { describeEachDatabase } from '../support/databases';
import { asText, openTestApp, xmlOf, type TestApp } from '../endpoint/support/app';
import { CRM, ERP, testConfig } from '../endpoint/support/testConfig';
import { account, diagnosisCodes, entriesOf, entryWith, payloadOf, prop, sdataAttr } from '../endpoint/support/xmlBodies';
import { ALICE, basic, ROLE_USERS, securitySection } from './support';

const EP = new URL(`${CRM}/accounts`).pathname;
const reader = ROLE_USERS.find((u) => u.name === 'reader')!;
const writer = ROLE_USERS.find((u) => u.name === 'writer')!;
const engine = ROLE_USERS.find((u) => u.name === 'engine')!;

/** Headers as the SData JavaScript client builds them for a user. */
const sdataClientHeaders = (user: string, password: string) => ({
  'X-Authorization-Mode': 'no-challenge',
  Authorization: basic(user, password),
  'X-Authorization': basic(user, password),
  Accept: 'application/atom+xml;type=feed,*/*',
});

const DIGEST_ENTRY = `<entry xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}" xmlns:sync="${NS.sync}"><sdata:payload><sync:digest><sync:origin>${ERP}/accounts</sync:origin></sync:digest></sdata:payload></entry>`;

describeEachDatabase('SData clients and credentials', (tdb) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await openTestApp(tdb, testConfig({ security: await securitySection() }));
  });

  test("the JavaScript client's headers are accepted, with a UTF-8 password", async () => {
    await asText(request(t.app).get(EP).set(sdataClientHeaders(reader.name, reader.password))).expect(200);
  });

  test('X-Authorization alone is enough (a proxy dropped Authorization)', async () => {
    await asText(request(t.app).get(EP).set('X-Authorization', basic(reader.name, reader.password))).expect(200);
  });

  test('no-challenge: 401 without WWW-Authenticate, with and without credentials', async () => {
    const none = await asText(request(t.app).get(EP).set('X-Authorization-Mode', 'no-challenge')).expect(401);
    expect(none.headers['www-authenticate']).toBeUndefined();
    expect(diagnosisCodes(xmlOf(none))).toEqual(['Unauthorized']);
    const wrong = await asText(request(t.app).get(EP).set(sdataClientHeaders(reader.name, 'nope'))).expect(401);
    expect(wrong.headers['www-authenticate']).toBeUndefined();
    const challenged = await asText(request(t.app).get(EP)).expect(401);
    expect(challenged.headers['www-authenticate']).toBe('Basic realm="sdata-sync", charset="UTF-8"');
  });

  test('a scheme other than Basic is no credential', async () => {
    await asText(request(t.app).get(EP).set('Authorization', 'Bearer abc')).expect(401);
  });

  test('local changes by a user carry the user in the sync feed (sync:user); resources are created, updated, deleted and batched', async () => {
    const created = await asText(request(t.app).post(EP).set(sdataClientHeaders(ALICE.name, ALICE.password)).set('Content-Type', 'application/atom+xml;type=entry').send(entryWith(account('<name>By Alice</name>')))).expect(201);
    expect(created.headers.location).toBeDefined();
    const second = await asText(request(t.app).post(EP).set('Authorization', basic(ALICE.name, ALICE.password)).send(entryWith(account('<name>Then Writer</name>')))).expect(201);
    const writerKey = /\('([^']+)'\)$/.exec(second.headers.location as string)![1];
    await asText(request(t.app).put(`${EP}('${writerKey}')`).set('Authorization', basic(writer.name, writer.password)).send(entryWith(account('<name>Writer was here</name>')))).expect(200);
    const batch = `<feed xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}" xmlns:http="${NS.http}"><entry><http:httpMethod>POST</http:httpMethod><sdata:payload>${account('<name>Batched</name>')}</sdata:payload></entry></feed>`;
    await asText(request(t.app).post(`${EP}/$batch`).set('Authorization', basic(writer.name, writer.password)).send(batch)).expect(200);
    const third = await asText(request(t.app).post(EP).set('Authorization', basic(writer.name, writer.password)).send(entryWith(account('<name>Deleted by Alice</name>')))).expect(201);
    const deletedKey = /\('([^']+)'\)$/.exec(third.headers.location as string)![1];
    await request(t.app).delete(`${EP}('${deletedKey}')`).set('Authorization', basic(ALICE.name, ALICE.password)).expect(200);

    const page = await asText(request(t.app).post(`${EP}/$syncSource`).set('Authorization', basic(engine.name, engine.password)).send(DIGEST_ENTRY)).expect(200);
    const users = new Map(
      entriesOf(xmlOf(page)).map((e) => {
        const payload = payloadOf(e);
        const key = sdataAttr(payload, 'key') ?? '';
        return [prop(payload, 'name') ?? key, childText(child(e, NS.sync, 'syncState'), NS.sync, 'user')];
      }),
    );
    expect(users.get('By Alice')).toBe('alice');
    expect(users.get('Writer was here')).toBe('writer');
    expect(users.get('Batched')).toBe('writer');
    expect(users.get(deletedKey)).toBe('alice');
  });
});

describeEachDatabase('anonymous changes on an open loopback server', (tdb) => {
  test('carry no sync:user', async () => {
    const t = await openTestApp(tdb, testConfig());
    await asText(request(t.app).post(EP).send(entryWith(account('<name>Anonymous</name>')))).expect(201);
    const page = await asText(request(t.app).post(`${EP}/$syncSource`).send(DIGEST_ENTRY)).expect(200);
    const [entry] = entriesOf(xmlOf(page));
    expect(child(child(entry, NS.sync, 'syncState'), NS.sync, 'user')).toBeUndefined();
  });
});
