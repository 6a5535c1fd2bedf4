/**
 * Fuzz suite over every URL that takes a body: resource POST and PUT, `$batch`, `$syncDigest` PUT,
 * `$syncSource`, `$syncTarget`, `$syncResults` and the event logger's `POST /logs/$syncResults`.
 *
 * Each document starts as a real answer of the server (an entry, a digest, a sync page, a result feed) and is
 * damaged at random (test/support/xmlMutations.ts). Whatever arrives:
 * - the answer is never a 5xx and comes within a bounded time;
 * - a 4xx carries an `sdata:diagnoses` body with a code and a message, and leaves data, clocks, digests,
 *   conflicts, quarantine, stored results and logger records exactly as they were;
 * - a 2xx (a damage can leave the document valid) leaves the store consistent: every endpoint still answers
 *   its feed, its digest and a full sync feed, its own digest entry is its clock, and no resource of its own
 *   carries a tick at or beyond that clock.
 *
 * - a body that is not valid UTF-8, holds a character XML forbids, or nests deeper than 64 levels must be
 *   refused (4xx).
 *
 * FUZZ_RUNS=n runs n documents per URL (default 10; 30 in `npm run test:soak`). FUZZ_SEED=s replays the run a failure names (fast-check
 * prints its seed and path). FUZZ_SKIP_CLASSES=invalidUtf8,deepNesting leaves the named classes of damage out
 * (to look at the others alone).
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Test } from 'supertest';
import request from 'supertest';
import { NS } from '../../src/atom/namespaces';
import { child, childrenNamed, parseXml } from '../../src/atom/xml';
import { loggerSchema } from '../../src/config/engineSchema';
import { securityPolicy } from '../../src/security/policy';
import { createLoggerApp } from '../../src/logger/app';
import { describeEachDatabase } from '../support/databases';
import { getDigestXml, pathOf, syncByHand } from '../support/syncByHand';
import { ALL_CLASSES, applyMutations, mutationsArb, refusalExpected, type MutationClasses } from '../support/xmlMutations';
import { asText, openTestApp, snapshot, type TestApp } from './support/app';
import { CRM, ERP } from './support/testConfig';
import { entriesOf, entryWith } from './support/xmlBodies';

const RUNS = Number(process.env.FUZZ_RUNS ?? 10);
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;
jest.setTimeout(Math.max(60_000, RUNS * 3_000));

/** Every class of damage is drawn, but those FUZZ_SKIP_CLASSES names. */
const skipped = (process.env.FUZZ_SKIP_CLASSES ?? '').split(',').filter(Boolean);
const CLASSES: MutationClasses = { ...ALL_CLASSES, ...Object.fromEntries(skipped.map((c) => [c, false])) };

/** No answer may take longer (a guard against a pathology, far above the usual few milliseconds). */
const ANSWER_WITHIN_MILLIS = 5_000;

const ENDPOINTS = [`${CRM}/accounts`, `${CRM}/orders`, `${ERP}/accounts`, `${ERP}/orders`];
const ENTRY = 'application/atom+xml;type=entry';
const FEED = 'application/atom+xml;type=feed';
const run = () => `trackingID=${randomUUID()}&runName=fuzz&runStamp=2026-12-01T00:00:00Z`;

interface FuzzedUrl {
  name: string;
  /** The real, valid document the damage starts from. */
  document: () => string;
  /** The content type a client sends. */
  type: string;
  /** Sends one body with the given content type. */
  send: (body: Buffer, type: string) => Test;
  syncPage?: boolean;
}

const bodyOf = (res: request.Response): string => (typeof res.body === 'string' ? res.body : '');

describeEachDatabase('fuzzed request bodies', (tdb) => {
  let t: TestApp;
  let logger: ReturnType<typeof createLoggerApp>;
  const docs: Record<string, string> = {};

  beforeAll(async () => {
    t = await openTestApp(tdb);
    logger = createLoggerApp({ db: t.db, cfg: loggerSchema.parse({}), baseUrl: () => 'http://logger.test', security: securityPolicy({ users: [] }, '127.0.0.1') });
    const post = (path: string, body: string) => asText(t.http().post(path).set('Content-Type', ENTRY).send(body));
    for (const name of ['ACME', 'Globex', 'Initech']) {
      const r = await post(pathOf(`${CRM}/accounts`), entryWith(`<account xmlns="urn:sdata-sync:demo"><name>${name}</name><email>${name}@example.test</email><balance>12.50</balance><active>true</active></account>`));
      expect(r.status).toBe(201);
    }
    // A first pass gives the accounts their UUIDs, so that orders can refer to them.
    const first = await syncByHand(t.app, `${CRM}/accounts`, `${ERP}/accounts`);
    const feed = await asText(t.http().get(pathOf(`${CRM}/accounts?includeUuid=true`)));
    const accountUuid = /sdata:uuid="([^"]+)"/.exec(bodyOf(feed))![1];
    const order = (n: number) =>
      entryWith(
        `<order xmlns="urn:sdata-sync:demo"><number>N-${n}</number><quantity>${n}</quantity><total>99.95</total><paid>false</paid><placedOn>2026-11-30</placedOn><placedAt>2026-11-30T10:00:00Z</placedAt>` +
          `<account sdata:uuid="${accountUuid}"/><lines><line><product>bolt</product><qty>4</qty><price>0.25</price><shipped>true</shipped><due>2026-12-24</due><at>2026-12-24T08:00:00Z</at></line><line><product>nut</product></line></lines></order>`,
      );
    for (const n of [1, 2]) expect((await post(pathOf(`${CRM}/orders`), order(n))).status).toBe(201);
    await syncByHand(t.app, `${CRM}/orders`, `${ERP}/orders`);

    docs.account = bodyOf(await asText(t.http().get(pathOf(`${CRM}/accounts('1')`))));
    docs.order = bodyOf(await asText(t.http().get(pathOf(`${CRM}/orders('2')`))));
    const accountEntries = entriesOf(parseXml(bodyOf(feed)));
    expect(accountEntries.length).toBe(3);
    docs.batch = batchFeedFrom(bodyOf(feed));
    docs.digest = await getDigestXml(t.app, `${ERP}/accounts`);
    docs.orderDigest = await getDigestXml(t.app, `${ERP}/orders`);
    // Changes erp has not seen yet, so the sync page is one erp would really apply.
    await asText(t.http().put(pathOf(`${CRM}/orders('2')`)).set('Content-Type', ENTRY).send(docs.order.replace('N-2', 'N-2b'))).expect(200);
    await post(pathOf(`${CRM}/orders`), order(3));
    await asText(t.http().delete(pathOf(`${CRM}/orders('1')`))).expect(200);
    const page = await asText(t.http().post(pathOf(`${CRM}/orders/$syncSource?${run()}`)).set('Content-Type', ENTRY).send(docs.orderDigest));
    expect(page.status).toBe(200);
    docs.syncPage = bodyOf(page);
    expect(entriesOf(parseXml(docs.syncPage)).length).toBe(3);
    docs.result = first.resultBodies[0];
  });

  const urls: FuzzedUrl[] = [
    { name: 'POST a resource', document: () => withoutIdentity(docs.account), type: ENTRY, send: (b, type) => t.http().post(pathOf(`${CRM}/accounts`)).set('Content-Type', type).send(b) },
    { name: 'PUT a resource', document: () => docs.account, type: ENTRY, send: (b, type) => t.http().put(pathOf(`${CRM}/accounts('1')`)).set('Content-Type', type).send(b) },
    { name: 'POST a resource with references and children', document: () => withoutIdentity(docs.order), type: ENTRY, send: (b, type) => t.http().post(pathOf(`${CRM}/orders`)).set('Content-Type', type).send(b) },
    { name: 'PUT a resource with references and children', document: () => docs.order, type: ENTRY, send: (b, type) => t.http().put(pathOf(`${CRM}/orders('2')`)).set('Content-Type', type).send(b) },
    { name: 'POST $batch', document: () => docs.batch, type: FEED, send: (b, type) => t.http().post(pathOf(`${CRM}/accounts/$batch`)).set('Content-Type', type).send(b) },
    { name: 'PUT $syncDigest', document: () => docs.digest, type: ENTRY, send: (b, type) => t.http().put(pathOf(`${ERP}/accounts/$syncDigest`)).set('Content-Type', type).send(b) },
    { name: 'POST $syncSource', document: () => docs.orderDigest, type: ENTRY, send: (b, type) => t.http().post(pathOf(`${CRM}/orders/$syncSource?${run()}`)).set('Content-Type', type).send(b) },
    { name: 'POST $syncTarget', document: () => docs.syncPage, syncPage: true, type: FEED, send: (b, type) => t.http().post(pathOf(`${ERP}/orders/$syncTarget?${run()}`)).set('Content-Type', type).send(b) },
    { name: 'POST $syncResults', document: () => docs.result, type: FEED, send: (b, type) => t.http().post(pathOf(`${CRM}/accounts/$syncResults?${run()}`)).set('Content-Type', type).send(b) },
    {
      name: "POST the logger's $syncResults",
      document: () => docs.result,
      type: FEED, send: (b, type) => request(logger.app).post(`/logs/$syncResults?runName=fuzz&runStamp=2026-12-01T00:00:00Z&source=${encodeURIComponent(`${CRM}/accounts`)}&target=${encodeURIComponent(`${ERP}/accounts`)}&kind=accounts`).set('Content-Type', type).send(b),
    },
  ];

  /** The store still answers for every endpoint, and its clocks and digests agree. */
  async function expectConsistent(): Promise<void> {
    for (const url of ENDPOINTS) {
      const feed = await asText(t.http().get(pathOf(`${url}?count=500&includeUuid=true`)));
      expect([feed.status, url]).toEqual([200, url]);
      parseXml(bodyOf(feed));
      const digest = await asText(t.http().get(pathOf(`${url}/$syncDigest`)));
      expect(digest.status).toBe(200);
      const own = childrenNamed(child(child(parseXml(bodyOf(digest)), NS.sdata, 'payload'), NS.sync, 'digest'), NS.sync, 'digestEntry').find(
        (e) => child(e, NS.sync, 'endpoint')?.text.trim() === url,
      );
      const { clock } = await t.db('endpoints').where({ url }).first();
      expect(Number(child(own, NS.sync, 'tick')?.text)).toBe(Number(clock));
      const beyond = await t.db('resources').where({ endpoint_id: t.endpointId(url), state_endpoint: url }).andWhere('state_tick', '>=', clock).count({ n: '*' });
      expect(Number(beyond[0].n)).toBe(0);
      const everything = await asText(t.http().post(pathOf(`${url}/$syncSource?${run()}&count=500`)).set('Content-Type', ENTRY).send(`<sync:digest xmlns:sync="${NS.sync}"/>`));
      expect(everything.status).toBe(200);
      parseXml(bodyOf(everything));
    }
  }

  it.each(urls.map((u) => [u.name, u] as const))('%s: the document the damage starts from is accepted as it is', async (_name, u) => {
    const res = await asText(u.send(Buffer.from(u.document()), u.type));
    expect(res.status >= 200 && res.status < 300 ? 'accepted' : `${res.status} ${bodyOf(res).slice(0, 300)}`).toBe('accepted');
  });

  it.each(urls.map((u) => [u.name, u] as const))('%s: no 5xx, no hang, a diagnosed 4xx changes nothing', async (_name, u) => {
    await fc.assert(
      fc.asyncProperty(mutationsArb(CLASSES), charsetArb(CLASSES), async (mutations, charset) => {
        const body = applyMutations(u.document(), mutations, CLASSES, { syncPage: u.syncPage === true });
        const type = charset === undefined ? u.type : `${u.type}; charset=${charset}`;
        const before = await snapshot(t.db);
        const started = Date.now();
        const res = await asText(u.send(body, type).timeout(ANSWER_WITHIN_MILLIS * 2));
        expect(Date.now() - started).toBeLessThan(ANSWER_WITHIN_MILLIS);
        expect({ status: res.status < 500 ? 'not 5xx' : res.status, body: res.status < 500 ? '' : bodyOf(res).slice(0, 500) }).toEqual({ status: 'not 5xx', body: '' });
        const mustRefuse = refusalExpected(body, charset, CLASSES);
        if (mustRefuse) expect(res.status >= 400 ? 'refused' : `${res.status} although ${mustRefuse}`).toBe('refused');
        if (res.status >= 400) {
          expect(res.headers['content-type']).toMatch(/^application\/xml/);
          const diagnoses = childrenNamed(parseXml(bodyOf(res)), NS.sdata, 'diagnosis');
          expect(diagnoses.length).toBeGreaterThan(0);
          for (const d of diagnoses) {
            expect(child(d, NS.sdata, 'sdataCode')?.text.trim()).toBeTruthy();
            expect(child(d, NS.sdata, 'message')?.text.trim()).toBeTruthy();
          }
          expect(await snapshot(t.db)).toEqual(before);
        } else {
          await expectConsistent();
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});

/**
 * The charset a client declares, if any: the right one in its spellings, one that reads the bytes as other
 * characters, unknown ones; with invalidUtf8 drawn, also one the bytes are not (UTF-16).
 */
function charsetArb(classes: MutationClasses): fc.Arbitrary<string | undefined> {
  const names = ['utf-8', 'UTF-8', '"utf-8"', 'latin1', 'us-ascii', 'klingon', '', ...(classes.invalidUtf8 ? ['utf-16', 'utf-16be'] : [])];
  return fc.option(fc.constantFrom(...names), { nil: undefined, freq: 3 });
}

/** A real entry as a new resource: without the key, UUID and URLs that name the one it was read from. */
function withoutIdentity(entryXml: string): string {
  return entryXml.replace(/(<sdata:payload>\s*<[\w:]+)([^>]*)>/, (_m, start: string, attrs: string) => `${start}${attrs.replace(/\s(sdata:key|sdata:uuid|sdata:url|sdata:uri)="[^"]*"/g, '')}>`);
}

/** A `$batch` feed made of real entries: one created again (POST), one replaced (PUT), one deleted. */
function batchFeedFrom(feedXml: string): string {
  const entries = [...feedXml.matchAll(/<entry>([\s\S]*?)<\/entry>/g)].map((m) => m[1]);
  const payload = (e: string) => /<sdata:payload>[\s\S]*<\/sdata:payload>/.exec(e)![0];
  const id = (e: string) => /<id>([^<]*)<\/id>/.exec(e)![1];
  const head = /^<\?xml[^>]*\?>\s*<feed[^>]*>/.exec(feedXml)?.[0] ?? /^<feed[^>]*>/.exec(feedXml)![0];
  const root = head.replace(/^<\?xml[^>]*\?>\s*/, '').replace(/>$/, ` xmlns:http="${NS.http}">`).replace(/(xmlns:http="[^"]*")(.*)\s\1/, '$1$2');
  return [
    root,
    `<entry><http:httpMethod>POST</http:httpMethod>${withoutIdentity(payload(entries[0]))}</entry>`,
    `<entry><id>${id(entries[1])}</id><http:httpMethod>PUT</http:httpMethod>${payload(entries[1])}</entry>`,
    `<entry><id>${id(entries[2])}</id><http:httpMethod>DELETE</http:httpMethod></entry>`,
    '</feed>',
  ].join('');
}
