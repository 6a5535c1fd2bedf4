/**
 * Linking what already exists (PROTOCOL.md 2.8, `$linked`), in process over supertest, on PGlite and
 * PostgreSQL: crm and erp each hold the same accounts (same emails, written differently at times; different
 * keys; some other values differ) plus some of their own; a pass each way links every pair instead of
 * creating it twice, resolves differences by the conflict rules (crm, priority 1, wins), and a second round
 * moves nothing. Then an ambiguous match is parked with every candidate, and links are read and changed by hand.
 * LINKED_ACCOUNTS sets the number of shared accounts (default 500, as the issue asks).
 */
import { describeEachDatabase } from '../support/databases';
import { asText, openTestApp, xmlOf, type TestApp } from '../endpoint/support/app';
import { CRM, ERP, testConfig } from '../endpoint/support/testConfig';
import { account, diagnosisField, entriesOf, entryWith, opensearch, payloadOf, prop, sdataAttr } from '../endpoint/support/xmlBodies';
import { pathOf, syncByHand } from '../support/syncByHand';
import { demoConfig } from '../../src/config/demo';
import { NS } from '../../src/atom/namespaces';
import type { ConfigInput } from '../../src/config/schema';
import { ENDPOINT_ROUTES, requiredAccess } from '../../src/security/roles';

const SHARED = Number(process.env.LINKED_ACCOUNTS ?? 500);
const OWN = Math.max(1, Math.round(SHARED / 10));
/** Pages of 200 entries keep each page under the test server's body limit. */
const PAGES = { count: 200 };

/** The demo applications, their accounts linked on email. */
function linkedConfig() {
  const applications = (demoConfig.applications ?? []).map((a) => ({ ...a, kinds: a.kinds.map((k) => (k.name === 'accounts' ? { ...structuredClone(k), link: { on: ['email'] } } : structuredClone(k))) }));
  return testConfig({ applications } as Partial<ConfigInput>);
}

interface Account {
  key: string;
  name: string;
  email: string;
  balance: string;
}

const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

async function createAll(t: TestApp, endpoint: string, accounts: Account[]): Promise<void> {
  for (let i = 0; i < accounts.length; i += 200) {
    const entries = accounts
      .slice(i, i + 200)
      .map((a) => `<entry><http:httpMethod>POST</http:httpMethod><sdata:payload>${account(`<name>${xmlText(a.name)}</name><email>${xmlText(a.email)}</email><balance>${a.balance}</balance>`, `sdata:key="${a.key}"`)}</sdata:payload></entry>`)
      .join('');
    const r = await asText(t.http().post(pathOf(`${endpoint}/$batch`)).set('Content-Type', 'application/atom+xml;type=feed').send(`<feed xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}" xmlns:http="${NS.http}">${entries}</feed>`));
    expect(r.status).toBe(200);
    expect(r.body).not.toMatch(/<http:httpStatus>[45]/);
  }
}

interface Held {
  key: string;
  uuid: string;
  values: Record<string, string>;
}

/** Every live account of an endpoint, by folded email. */
async function accountsByEmail(t: TestApp, endpoint: string): Promise<Map<string, Held>> {
  const out = new Map<string, Held>();
  for (let start = 1; ; start += 500) {
    const r = await asText(t.http().get(pathOf(`${endpoint}?startIndex=${start}&count=500`)));
    expect(r.status).toBe(200);
    const entries = entriesOf(xmlOf(r));
    for (const e of entries) {
      const p = payloadOf(e);
      const values = { name: prop(p, 'name') ?? '', email: prop(p, 'email') ?? '', balance: prop(p, 'balance') ?? '' };
      out.set(values.email.trim().toLowerCase(), { key: sdataAttr(p, 'key')!, uuid: sdataAttr(p, 'uuid')!, values });
    }
    if (entries.length < 500) return out;
  }
}

const linkedTotal = async (t: TestApp, endpoint: string): Promise<number> => {
  const r = await asText(t.http().get(pathOf(`${endpoint}/$linked?count=1`)));
  expect(r.status).toBe(200);
  return opensearch(xmlOf(r), 'totalResults');
};

describeEachDatabase('linking what already exists ($linked)', (tdb) => {
  const crm = `${CRM}/accounts`;
  const erp = `${ERP}/accounts`;

  it(`links ${SHARED} shared accounts on email, creates the ${OWN} + ${OWN} others, resolves differences by the conflict rules; a second round moves nothing`, async () => {
    const t = await openTestApp(tdb, linkedConfig());
    const shared = Array.from({ length: SHARED }, (_, i) => i);
    const crmAccounts: Account[] = [
      ...shared.map((i) => ({ key: `${i + 1}`, name: `Account ${i}`, email: `user${i}@example.com`, balance: '10.00' })),
      ...Array.from({ length: OWN }, (_, j) => ({ key: `${SHARED + j + 1}`, name: `Crm ${j}`, email: `crm${j}@example.com`, balance: '1.00' })),
    ];
    // erp writes one email in seven in capitals with white space around; one account in ten has another balance.
    const erpEmail = (i: number) => (i % 7 === 0 ? `  USER${i}@Example.COM\t` : `user${i}@example.com`);
    const erpAccounts: Account[] = [
      ...shared.map((i) => ({ key: `E${i}`, name: `Account ${i}`, email: erpEmail(i), balance: i % 10 === 0 ? '99.00' : '10.00' })),
      ...Array.from({ length: OWN }, (_, j) => ({ key: `F${j}`, name: `Erp ${j}`, email: `erp${j}@example.com`, balance: '2.00' })),
    ];
    const differing = shared.filter((i) => i % 7 === 0 || i % 10 === 0).length;
    await createAll(t, crm, crmAccounts);
    await createAll(t, erp, erpAccounts);

    const there = await syncByHand(t.app, crm, erp, PAGES);
    expect(there.completed).toBe(true);
    const linked = there.results.filter((r) => r.diagnoses.some((d) => d.applicationCode === 'Linked'));
    expect(linked).toHaveLength(SHARED);
    expect(there.results.filter((r) => r.httpStatus === 201)).toHaveLength(OWN);
    // A linked pair whose values differ is a conflict: crm (priority 1) wins, erp's version is parked.
    expect(linked.filter((r) => r.diagnoses.some((d) => d.applicationCode === 'Conflict'))).toHaveLength(differing);
    const parked = await asText(t.http().get(pathOf(`${erp}/$conflicts?count=1`)));
    expect(opensearch(xmlOf(parked), 'totalResults')).toBe(differing);

    const back = await syncByHand(t.app, erp, crm, PAGES);
    expect(back.results.filter((r) => r.httpStatus === 201)).toHaveLength(OWN);
    // crm takes erp's restamped versions (they descend from both), without a conflict or a link of its own.
    expect(back.results.filter((r) => r.diagnoses.some((d) => d.applicationCode === 'Conflict' || d.applicationCode === 'Linked'))).toEqual([]);

    const atCrm = await accountsByEmail(t, crm);
    const atErp = await accountsByEmail(t, erp);
    expect(atCrm.size).toBe(SHARED + 2 * OWN);
    expect(atErp.size).toBe(SHARED + 2 * OWN);
    for (const [email, c] of atCrm) {
      const e = atErp.get(email)!;
      expect({ email, uuid: e.uuid, values: e.values }).toEqual({ email, uuid: c.uuid, values: c.values });
    }
    // Each shared account kept its key at both ends (linked, not created again).
    for (const i of [0, 1, 7, 10, SHARED - 1]) {
      expect(atCrm.get(`user${i}@example.com`)!.key).toBe(`${i + 1}`);
      expect(atErp.get(`user${i}@example.com`)!.key).toBe(`E${i}`);
      expect(atErp.get(`user${i}@example.com`)!.values).toEqual({ name: `Account ${i}`, email: `user${i}@example.com`, balance: '10.00' });
    }

    const again = [await syncByHand(t.app, crm, erp, PAGES), await syncByHand(t.app, erp, crm, PAGES)];
    expect(again.flatMap((p) => p.results)).toEqual([]);
    expect(await linkedTotal(t, crm)).toBe(SHARED + 2 * OWN);
    expect(await linkedTotal(t, erp)).toBe(SHARED + 2 * OWN);
  });

  it('parks an entry matching several local resources with each of them, creates nothing; keeping one links it', async () => {
    const t = await openTestApp(tdb, linkedConfig());
    await createAll(t, crm, [{ key: '1', name: 'Ann at crm', email: 'ann@example.com', balance: '5.00' }]);
    await createAll(t, erp, [
      { key: 'A1', name: 'Ann one', email: 'ann@example.com', balance: '1.00' },
      { key: 'A2', name: 'Ann two', email: 'ANN@example.com ', balance: '2.00' },
    ]);
    const pass = await syncByHand(t.app, crm, erp, PAGES);
    expect(pass.results).toHaveLength(1);
    expect(pass.results[0]).toMatchObject({ httpStatus: 200 });
    expect(pass.results[0].httpMethod).toBeUndefined();
    expect(pass.results[0].diagnoses[0].message).toMatch(/matches 2 local resources not yet linked on email \(keys 'A1', 'A2'\)/);
    const feed = xmlOf(await asText(t.http().get(pathOf(`${erp}?count=10`))));
    expect(opensearch(feed, 'totalResults')).toBe(2);
    const conflicts = entriesOf(xmlOf(await asText(t.http().get(pathOf(`${erp}/$conflicts`)))));
    expect(conflicts).toHaveLength(2);
    const crmUuid = sdataAttr(payloadOf(entriesOf(xmlOf(await asText(t.http().get(pathOf(crm)))))[0]), 'uuid')!;
    const conflictOn = (key: string) => {
      const c = conflicts.find((x) => x.children.some((l) => l.name === 'link' && l.attrs.some((a) => a.value === `${erp}('${key}')`)))!;
      return c.children.find((x) => x.name === 'id')!.text.trim();
    };

    // A1 is linked by hand meanwhile: keeping its parked version is refused, nothing changes.
    expect((await asText(t.http().post(pathOf(`${erp}/$linked`)).set('Content-Type', 'application/json').send(JSON.stringify({ $key: 'A1' })))).status).toBe(201);
    const refused = await asText(t.http().post(pathOf(`${conflictOn('A1')}/$resolve?action=keep`)));
    expect(refused.status).toBe(409);
    expect(diagnosisField(xmlOf(refused), 'applicationCode')).toBe('AlreadyLinked');
    // Keeping it on A2 links A2: it takes crm's UUID and values, as a local change that goes back to crm.
    expect((await asText(t.http().post(pathOf(`${conflictOn('A2')}/$resolve?action=keep`)))).status).toBe(200);
    const a2 = payloadOf(xmlOf(await asText(t.http().get(pathOf(`${erp}('A2')`)))));
    expect(sdataAttr(a2, 'uuid')).toBe(crmUuid);
    expect(prop(a2, 'name')).toBe('Ann at crm');
    // A1 unlinked again: keeping its conflict now would hand A1 the UUID A2 holds: refused, A1 and A2 unchanged.
    const a1Uuid = sdataAttr(payloadOf(xmlOf(await asText(t.http().get(pathOf(`${erp}('A1')`))))), 'uuid')!;
    expect((await asText(t.http().delete(pathOf(`${erp}/$linked('${a1Uuid}')`)))).status).toBe(200);
    const taken = await asText(t.http().post(pathOf(`${conflictOn('A1')}/$resolve?action=keep`)));
    expect([taken.status, diagnosisField(xmlOf(taken), 'applicationCode')]).toEqual([409, 'UuidExists']);
    const [a1After, a2After] = await Promise.all(['A1', 'A2'].map(async (k) => payloadOf(xmlOf(await asText(t.http().get(pathOf(`${erp}('${k}')`)))))));
    expect([sdataAttr(a1After, 'uuid'), prop(a1After, 'name'), sdataAttr(a2After, 'uuid'), prop(a2After, 'name')]).toEqual([a1Uuid, 'Ann one', crmUuid, 'Ann at crm']);
    const back = await syncByHand(t.app, erp, crm, PAGES);
    expect(back.results.filter((r) => r.uuid === crmUuid)).toMatchObject([{ httpStatus: 200, httpMethod: 'PUT' }]);
    const crmAnn = payloadOf(xmlOf(await asText(t.http().get(pathOf(`${crm}('1')`)))));
    expect([sdataAttr(crmAnn, 'uuid'), prop(crmAnn, 'name')]).toEqual([crmUuid, 'Ann at crm']);
  });

  it('lists, links and unlinks by hand; refuses bad requests with a diagnosis and changes nothing', async () => {
    const t = await openTestApp(tdb, linkedConfig());
    await createAll(t, erp, [
      { key: 'B1', name: 'Bob', email: 'bob@example.com', balance: '1.00' },
      { key: 'B2', name: 'Bea', email: 'bea@example.com', balance: '1.00' },
    ]);
    expect(await linkedTotal(t, erp)).toBe(0);
    const uuid = '8881592a-a503-4fcb-b5cc-f1bb8ecfc874';
    const post = (body: string, type = 'application/atom+xml;type=entry') => asText(t.http().post(pathOf(`${erp}/$linked`)).set('Content-Type', type).send(body));

    const created = await post(entryWith(account('', `sdata:url="${erp}('B1')" sdata:uuid="${uuid.toUpperCase()}"`)));
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`${erp}/$linked('${uuid}')`);
    expect(sdataAttr(payloadOf(xmlOf(created)), 'key')).toBe('B1');
    expect(sdataAttr(payloadOf(xmlOf(await asText(t.http().get(pathOf(`${erp}('B1')`))))), 'uuid')).toBe(uuid);
    // B1 now goes out under that UUID as a change.
    const out = await syncByHand(t.app, erp, crm, PAGES);
    expect(out.results.map((r) => r.uuid)).toContain(uuid);

    const one = await asText(t.http().get(pathOf(`${erp}/$linked('${uuid}')?format=json`)));
    expect(one.status).toBe(200);
    expect(JSON.parse(one.body as string)).toMatchObject({ $key: 'B1', $uuid: uuid, $link: `${erp}/$linked('${uuid}')` });
    const list = JSON.parse((await asText(t.http().get(pathOf(`${erp}/$linked?format=json`)))).body as string);
    expect(list.$totalResults).toBe(1);

    // Refused: a linked resource given another UUID, a UUID another resource holds, no resource, bad values.
    const before = await t.db('resources').select('*').orderBy('local_key');
    const b2 = sdataAttr(payloadOf(xmlOf(await asText(t.http().get(pathOf(`${erp}('B2')`))))), 'uuid')!;
    const cases: [string, number, string][] = [
      [entryWith(account('', `sdata:url="${erp}('B1')" sdata:uuid="11111111-1111-4111-8111-111111111111"`)), 409, 'AlreadyLinked'],
      [entryWith(account('', `sdata:key="B2" sdata:uuid="${uuid}"`)), 409, 'UuidExists'],
      [entryWith(account('', `sdata:url="${erp}('NOPE')"`)), 404, 'ResourceNotFound'],
      [entryWith(account('', `sdata:url="${crm}('1')"`)), 400, 'InvalidUrl'],
      [entryWith(account('', `sdata:key="B2" sdata:uuid="not-a-uuid"`)), 400, 'InvalidUuid'],
      [entryWith(account('', `sdata:key="B2" sdata:uuid="00000000-0000-0000-0000-000000000000"`)), 400, 'InvalidUuid'],
      [entryWith(account('')), 400, 'MissingUrl'],
      ['', 400, 'MissingBody'],
    ];
    for (const [body, status, code] of cases) {
      const r = await post(body);
      expect({ code, status: r.status, applicationCode: diagnosisField(xmlOf(r), 'applicationCode') ?? diagnosisField(xmlOf(r), 'sdataCode') }).toEqual({ code, status, applicationCode: code });
    }
    // The same refusals in JSON ($url, $key, $uuid), and a body that is not an object.
    const jsonCases: [unknown, number, string][] = [
      [{ $url: `${erp}('B1')`, $uuid: '11111111-1111-4111-8111-111111111111' }, 409, 'AlreadyLinked'],
      [{ $key: 'B2', $uuid: uuid }, 409, 'UuidExists'],
      [{ $key: 'B2', $uuid: 'not-a-uuid' }, 400, 'InvalidUuid'],
      [{ $key: 5 }, 400, 'InvalidValue'],
      [null, 400, 'InvalidValue'],
      [[{ $key: 'B2' }], 400, 'InvalidValue'],
    ];
    for (const [body, status, code] of jsonCases) {
      const r = await post(JSON.stringify(body), 'application/json');
      expect({ body, status: r.status, applicationCode: diagnosisField(xmlOf(r), 'applicationCode') }).toEqual({ body, status, applicationCode: code });
    }
    expect(await t.db('resources').select('*').orderBy('local_key')).toEqual(before);
    expect((await asText(t.http().get(pathOf(`${erp}/$linked('nope')`)))).status).toBe(400);
    expect((await asText(t.http().get(pathOf(`${erp}/$linked('${b2}')`)))).status).toBe(404);

    // Linking B2 with its own UUID marks it linked; DELETE removes the link and keeps the resource and its UUID.
    expect((await post(JSON.stringify({ $key: 'B2' }), 'application/json')).status).toBe(201);
    expect(await linkedTotal(t, erp)).toBe(2);
    expect((await asText(t.http().delete(pathOf(`${erp}/$linked('${b2}')`)))).status).toBe(200);
    expect(await linkedTotal(t, erp)).toBe(1);
    expect(sdataAttr(payloadOf(xmlOf(await asText(t.http().get(pathOf(`${erp}('B2')`))))), 'uuid')).toBe(b2);
    expect((await asText(t.http().delete(pathOf(`${erp}/$linked('${b2}')`)))).status).toBe(404);
  });
});

describe('$linked configuration', () => {
  const withLink = (on: string[]) => {
    const applications = (demoConfig.applications ?? []).map((a) => ({ ...a, kinds: a.kinds.map((k) => (k.name === 'contacts' ? { ...structuredClone(k), link: { on } } : structuredClone(k))) }));
    return () => testConfig({ applications } as Partial<ConfigInput>);
  };
  it('refuses a link on a property the kind lacks, on a reference, or twice on one property', () => {
    expect(withLink(['mail'])).toThrow(/links on 'mail', which kind 'contacts' does not declare/);
    expect(withLink(['account'])).toThrow(/links on 'account', a reference/);
    expect(withLink(['email', 'email'])).toThrow(/names 'email' twice/);
    expect(withLink([])).toThrow(/link\.on/);
    expect(withLink(['email', 'lastName'])).not.toThrow();
  });
  it('asks read to list links and admin to change them', () => {
    expect(requiredAccess(ENDPOINT_ROUTES, 'GET', '{ep}/$linked')).toBe('read');
    expect(requiredAccess(ENDPOINT_ROUTES, 'GET', "{ep}/$linked('ID')")).toBe('read');
    expect(requiredAccess(ENDPOINT_ROUTES, 'POST', '{ep}/$linked')).toBe('admin');
    expect(requiredAccess(ENDPOINT_ROUTES, 'DELETE', "{ep}/$linked('ID')")).toBe('admin');
    expect(requiredAccess(ENDPOINT_ROUTES, 'PUT', "{ep}/$linked('ID')")).toBeUndefined();
  });
});

