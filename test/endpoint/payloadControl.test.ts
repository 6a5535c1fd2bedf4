/**
 * Payload control on the wire (core 6.5, 7.2): `select` keeps only the named properties (keys, UUID, URL,
 * ETag and sync metadata stay), `include` writes the referenced resource inside its reference, and
 * `count=0` answers the totals only.
 */
import { describeEachDatabase } from '../support/databases';
import { NS } from '../../src/atom/namespaces';
import { child } from '../../src/atom/xml';
import { createResources } from '../../src/store/resources';
import { asText, openTestApp, xmlOf, type TestApp } from './support/app';
import { CRM } from './support/testConfig';
import { entriesOf, opensearch, payloadOf, prop, sdataAttr } from './support/xmlBodies';

const path = (url: string) => url.replace('http://sdata.test', '');
const ACCOUNTS = `${CRM}/accounts`;
const CONTACTS = `${CRM}/contacts`;
const names = (payload: ReturnType<typeof payloadOf>) => payload.children.map((c) => c.name);

describeEachDatabase('select, include and count=0 on the wire', (tdb) => {
  let t: TestApp;
  let acme: { key: string; uuid: string };

  beforeAll(async () => {
    t = await openTestApp(tdb);
    const [a, b] = await t.db.transaction((trx) =>
      createResources(trx, { id: t.endpointId(ACCOUNTS), url: ACCOUNTS, keys: { style: 'numeric' } }, [
        { values: { name: 'ACME', email: 'info@acme.test', balance: '12.50', active: true, openedOn: '2020-01-01' } },
        { values: { name: 'Gone', email: 'gone@x.test' } },
      ]),
    );
    acme = a;
    await t.http().delete(`${path(ACCOUNTS)}('${b.key}')`).expect(200);
    await t.db.transaction((trx) =>
      createResources(trx, { id: t.endpointId(CONTACTS), url: CONTACTS, keys: { style: 'numeric' } }, [
        { values: { firstName: 'Ann', lastName: 'Lee', email: 'ann@acme.test', account: { uuid: a.uuid } } },
        { values: { firstName: 'Bob', account: { uuid: b.uuid } } },
        { values: { firstName: 'Cy', account: null } },
      ]),
    );
  });

  it('select=name,email returns only those properties, with keys, UUID, URL, ETag and updated', async () => {
    const feed = xmlOf(await asText(t.http().get(path(ACCOUNTS)).query({ select: 'name,email' })).expect(200));
    const [entry] = entriesOf(feed);
    const payload = payloadOf(entry);
    expect(names(payload)).toEqual(['name', 'email']);
    expect([prop(payload, 'name'), prop(payload, 'email')]).toEqual(['ACME', 'info@acme.test']);
    expect([sdataAttr(payload, 'key'), sdataAttr(payload, 'uuid'), sdataAttr(payload, 'url')]).toEqual([acme.key, acme.uuid, `${ACCOUNTS}('${acme.key}')`]);
    expect(child(entry, NS.http, 'etag')?.text).toBeTruthy();
    expect(child(entry, NS.atom, 'updated')?.text).toBeTruthy();
    const one = xmlOf(await asText(t.http().get(`${path(ACCOUNTS)}('${acme.key}')`).query({ select: 'balance' })).expect(200));
    expect(names(payloadOf(one))).toEqual(['balance']);
    const all = xmlOf(await asText(t.http().get(path(ACCOUNTS)).query({ select: '*' })).expect(200));
    expect(names(payloadOf(entriesOf(all)[0]))).toEqual(['name', 'email', 'balance', 'active', 'openedOn']);
  });

  it('include=account writes the referenced account inside the contact; a deleted or null one stays as it is', async () => {
    const feed = xmlOf(await asText(t.http().get(path(CONTACTS)).query({ include: 'account' })).expect(200));
    const [ann, bob, cy] = entriesOf(feed).map(payloadOf);
    const inlined = ann.children.find((c) => c.name === 'account')!;
    expect([sdataAttr(inlined, 'uuid'), sdataAttr(inlined, 'key'), sdataAttr(inlined, 'url')]).toEqual([acme.uuid, acme.key, `${ACCOUNTS}('${acme.key}')`]);
    expect(names(inlined)).toEqual(['name', 'email', 'balance', 'active', 'openedOn']);
    expect(prop(inlined, 'name')).toBe('ACME');
    const dangling = bob.children.find((c) => c.name === 'account')!;
    expect([names(dangling), sdataAttr(dangling, 'key')]).toEqual([[], undefined]);
    expect(cy.children.find((c) => c.name === 'account')!.attrs.some((a) => a.name === 'nil' && a.value === 'true')).toBe(true);
    const plain = xmlOf(await asText(t.http().get(path(CONTACTS))).expect(200));
    expect(names(payloadOf(entriesOf(plain)[0]).children.find((c) => c.name === 'account')!)).toEqual([]);
  });

  it('include on a single resource, and with select (include names one of the selected references)', async () => {
    const one = xmlOf(await asText(t.http().get(`${path(CONTACTS)}('1')`).query({ include: 'account', select: 'firstName,account' })).expect(200));
    const payload = payloadOf(one);
    expect(names(payload)).toEqual(['firstName', 'account']);
    expect(prop(payload.children.find((c) => c.name === 'account')!, 'email')).toBe('info@acme.test');
  });

  it('count=0 answers the totals only, with and without where', async () => {
    const feed = xmlOf(await asText(t.http().get(path(CONTACTS)).query({ count: '0' })).expect(200));
    expect([entriesOf(feed).length, opensearch(feed, 'totalResults'), opensearch(feed, 'itemsPerPage')]).toEqual([0, 3, 0]);
    const filtered = xmlOf(await asText(t.http().get(path(CONTACTS)).query({ count: '0', where: "account.name eq 'ACME'" })).expect(200));
    expect([entriesOf(filtered).length, opensearch(filtered, 'totalResults')]).toEqual([0, 1]);
  });
});
