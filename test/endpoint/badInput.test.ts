/**
 * Every bad input of issue 2 point 7 (and the URL and parameter errors around it) gets its 4xx
 * `sdata:diagnoses` body with the right sdataCode, and leaves data, clocks and digests as they were.
 */
import { describeEachDatabase } from '../support/databases';
import { NS } from '../../src/atom/namespaces';
import { asText, openTestApp, snapshot, xmlOf, type TestApp } from './support/app';
import { diagnosisCodes, diagnosisField, entryWith } from './support/xmlBodies';

const EP = '/sdata/crm/test/-/accounts';
const good = (name: string) => entryWith(`<account xmlns="urn:sdata-sync:demo"><name>${name}</name></account>`);

interface Case {
  name: string;
  method: 'get' | 'post' | 'put' | 'delete';
  url: string;
  body?: string;
  status: number;
  code: string;
  applicationCode?: string;
  payloadPath?: RegExp;
}

const digestBody = (entries: string) =>
  `<entry xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}" xmlns:sync="${NS.sync}"><sdata:payload><sync:digest>${entries}</sync:digest></sdata:payload></entry>`;
const digestEntry = (endpoint: string, tick: string, prio = '3') =>
  `<sync:digestEntry><sync:endpoint>${endpoint}</sync:endpoint><sync:tick>${tick}</sync:tick><sync:stamp>2026-01-01T00:00:00Z</sync:stamp><sync:conflictPriority>${prio}</sync:conflictPriority></sync:digestEntry>`;

const cases: Case[] = [
  { name: 'unknown application', method: 'get', url: '/sdata/nope/test/-/accounts', status: 404, code: 'ApplicationNotFound' },
  { name: 'unknown application (POST)', method: 'post', url: '/sdata/nope/test/-/accounts', body: good('x'), status: 404, code: 'ApplicationNotFound' },
  { name: 'unknown contract', method: 'post', url: '/sdata/crm/nope/-/accounts', body: good('x'), status: 404, code: 'ContractNotFound' },
  { name: 'unknown dataset', method: 'post', url: '/sdata/crm/test/other/accounts', body: good('x'), status: 404, code: 'DatasetNotFound' },
  { name: 'unknown kind', method: 'post', url: '/sdata/crm/test/-/invoices', body: good('x'), status: 404, code: 'ResourceKindNotFound' },
  { name: 'unknown service', method: 'post', url: `${EP}/$nothing`, body: good('x'), status: 404, code: 'BadUrlSyntax' },
  { name: 'unknown resource', method: 'put', url: `${EP}('nope')`, body: good('x'), status: 404, code: 'ResourceNotFound' },
  { name: 'method not allowed', method: 'delete', url: EP, status: 405, code: 'MethodNotAllowed' },
  { name: 'malformed XML', method: 'post', url: EP, body: '<entry xmlns="http://www.w3.org/2005/Atom"><sdata:payload>', status: 400, code: 'BadRequest', applicationCode: 'MalformedXml' },
  { name: 'not XML at all', method: 'post', url: EP, body: 'name=x', status: 400, code: 'BadRequest' },
  { name: 'empty body', method: 'post', url: EP, body: '', status: 400, code: 'BadRequest' },
  {
    name: 'DOCTYPE',
    method: 'post',
    url: EP,
    body: `<?xml version="1.0"?><!DOCTYPE entry [<!ENTITY x "boom">]>${good('&x;')}`,
    status: 400,
    code: 'BadRequest',
    applicationCode: 'DoctypeRefused',
  },
  {
    name: 'external entity',
    method: 'put',
    url: `${EP}('1')`,
    body: `<!DOCTYPE entry SYSTEM "file:///etc/passwd">${good('x')}`,
    status: 400,
    code: 'BadRequest',
    applicationCode: 'DoctypeRefused',
  },
  { name: 'body over the limit', method: 'post', url: EP, body: good('x'.repeat(250_000)), status: 413, code: 'RequestEntityTooLarge' },
  { name: 'bad decimal', method: 'post', url: EP, body: entryWith('<account xmlns="urn:sdata-sync:demo"><name>n</name><balance>12,5</balance></account>'), status: 400, code: 'BadRequest', payloadPath: /balance/ },
  { name: 'bad boolean', method: 'post', url: EP, body: entryWith('<account xmlns="urn:sdata-sync:demo"><name>n</name><active>yes</active></account>'), status: 400, code: 'BadRequest', payloadPath: /active/ },
  { name: 'bad date', method: 'post', url: EP, body: entryWith('<account xmlns="urn:sdata-sync:demo"><name>n</name><openedOn>2024-02-30</openedOn></account>'), status: 400, code: 'BadRequest', payloadPath: /openedOn/ },
  { name: 'missing required property', method: 'post', url: EP, body: entryWith('<account xmlns="urn:sdata-sync:demo"><email>e</email></account>'), status: 400, code: 'BadRequest', payloadPath: /name/ },
  { name: 'unknown property', method: 'post', url: EP, body: entryWith('<account xmlns="urn:sdata-sync:demo"><name>n</name><colour>red</colour></account>'), status: 400, code: 'BadRequest', payloadPath: /colour/ },
  { name: 'wrong payload element', method: 'post', url: EP, body: entryWith('<contact xmlns="urn:sdata-sync:demo"><firstName>n</firstName></contact>'), status: 400, code: 'BadRequest' },
  { name: 'entry without payload', method: 'post', url: EP, body: `<entry xmlns="${NS.atom}"><title>x</title></entry>`, status: 400, code: 'BadRequest' },
  { name: 'startIndex 0', method: 'get', url: `${EP}?startIndex=0`, status: 400, code: 'BadQueryParameter' },
  { name: 'startIndex not a number', method: 'get', url: `${EP}?startIndex=abc`, status: 400, code: 'BadQueryParameter' },
  { name: 'negative count', method: 'get', url: `${EP}?count=-1`, status: 400, code: 'BadQueryParameter' },
  { name: 'fractional count', method: 'get', url: `${EP}?count=1.5`, status: 400, code: 'BadQueryParameter' },
  { name: 'count given twice', method: 'get', url: `${EP}?count=1&count=2`, status: 400, code: 'BadQueryParameter' },
  { name: 'misspelt startIndex', method: 'get', url: `${EP}?startindex=2`, status: 400, code: 'BadQueryParameter' },
  { name: 'unsupported filter', method: 'get', url: `${EP}?search=x`, status: 400, code: 'BadQueryParameter' },
  { name: 'bad where', method: 'get', url: `${EP}?where=name%20eq%20`, status: 400, code: 'BadWhereSyntax' },
  { name: 'where on a single resource', method: 'get', url: `${EP}('1')?where=name%20eq%20'x'`, status: 400, code: 'BadQueryParameter' },
  { name: 'unknown format', method: 'get', url: `${EP}?format=html`, status: 400, code: 'BadQueryParameter' },
  { name: 'bad includeUuid', method: 'get', url: `${EP}?includeUuid=yes`, status: 400, code: 'BadQueryParameter' },
  { name: 'parameter on POST', method: 'post', url: `${EP}?count=3`, body: good('x'), status: 400, code: 'BadQueryParameter' },
  { name: 'bad key syntax', method: 'get', url: `${EP}('a'b')`, status: 400, code: 'BadUrlSyntax' },
  { name: 'digest: non-integer tick', method: 'put', url: `${EP}/$syncDigest`, body: digestBody(digestEntry('http://x.test/a', '1.5')), status: 400, code: 'BadRequest', applicationCode: 'InvalidDigest' },
  { name: 'digest: priority 10', method: 'put', url: `${EP}/$syncDigest`, body: digestBody(digestEntry('http://x.test/a', '3', '10')), status: 400, code: 'BadRequest', applicationCode: 'InvalidDigest' },
  { name: 'digest: priority 0', method: 'put', url: `${EP}/$syncDigest`, body: digestBody(digestEntry('http://x.test/a', '3', '0')), status: 400, code: 'BadRequest', applicationCode: 'InvalidDigest' },
  { name: 'digest: unknown element', method: 'put', url: `${EP}/$syncDigest`, body: digestBody(`<sync:digestEntry><sync:endpoint>http://x.test/a</sync:endpoint><sync:tick>1</sync:tick><sync:colour>red</sync:colour></sync:digestEntry>`), status: 400, code: 'BadRequest' },
  { name: 'digest: own tick beyond the clock', method: 'put', url: `${EP}/$syncDigest`, body: digestBody(digestEntry('http://sdata.test/sdata/crm/test/-/accounts', '999999')), status: 400, code: 'BadRequest' },
  { name: 'digest: stamp beyond the year 9999', method: 'put', url: `${EP}/$syncDigest`, body: digestBody(digestEntry('http://x.test/a', '3').replace('2026-01-01T00:00:00Z', '+010000-01-01T00:00:00.000Z')), status: 400, code: 'BadRequest', applicationCode: 'InvalidDigest', payloadPath: /stamp/ },
  { name: 'digest: stamp in the year 0', method: 'put', url: `${EP}/$syncDigest`, body: digestBody(digestEntry('http://x.test/a', '3').replace('2026-01-01T00:00:00Z', '0000-06-01T00:00:00Z')), status: 400, code: 'BadRequest', applicationCode: 'InvalidDigest', payloadPath: /stamp/ },
  { name: 'digest: not a URL', method: 'put', url: `${EP}/$syncDigest`, body: digestBody(digestEntry('nowhere', '3')), status: 400, code: 'BadRequest' },
  { name: 'digest: no digest', method: 'put', url: `${EP}/$syncDigest`, body: good('x'), status: 400, code: 'BadRequest' },
  { name: 'digest: DOCTYPE', method: 'put', url: `${EP}/$syncDigest`, body: `<!DOCTYPE x [<!ENTITY a "b">]>${digestBody(digestEntry('http://x.test/a', '3'))}`, status: 400, code: 'BadRequest', applicationCode: 'DoctypeRefused' },
  { name: 'batch: malformed XML', method: 'post', url: `${EP}/$batch`, body: `<feed xmlns="${NS.atom}"><entry>`, status: 400, code: 'BadRequest' },
  { name: 'batch: DOCTYPE', method: 'post', url: `${EP}/$batch`, body: `<!DOCTYPE feed [<!ENTITY a "b">]><feed xmlns="${NS.atom}"/>`, status: 400, code: 'BadRequest', applicationCode: 'DoctypeRefused' },
];

describeEachDatabase('bad input changes nothing', (tdb) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await openTestApp(tdb);
    // Some data, a moved clock and a digest entry, so that "unchanged" means something.
    for (const name of ['a', 'b', 'c']) await t.http().post(EP).send(good(name)).expect(201);
    await t.db('digest_entries').insert({ endpoint_id: t.endpointId('http://sdata.test/sdata/crm/test/-/accounts'), remote_url: 'http://x.test/a', tick: 5, stamp: new Date(), priority: 4 });
  });

  it.each(cases)('$name: $status $code', async (c) => {
    const before = await snapshot(t.db);
    let req = t.http()[c.method](c.url);
    if (c.body !== undefined) req = req.set('Content-Type', 'application/atom+xml; type=entry').send(c.body);
    const res = await asText(req);
    expect(res.status).toBe(c.status);
    expect(res.headers['content-type']).toMatch(/^application\/xml/);
    const body = xmlOf(res);
    expect(diagnosisCodes(body)).toEqual([c.code]);
    if (c.applicationCode) expect(diagnosisField(body, 'applicationCode')).toBe(c.applicationCode);
    if (c.payloadPath) expect(diagnosisField(body, 'payloadPath')).toMatch(c.payloadPath);
    expect(diagnosisField(body, 'severity')).toBe('Error');
    expect(diagnosisField(body, 'message')).toBeTruthy();
    expect(await snapshot(t.db)).toEqual(before);
  });

  it('ignores parameters that start with _, those that only shape payloads, and run tags', async () => {
    await t.http().get(`${EP}?_t=1700000000000&_includeContent=false&select=name&include=$children&format=atom`).expect(200);
    await t.http().get(`${EP}/$syncDigest?runName=nightly&runStamp=2026-01-01T00:00:00Z`).expect(200);
    await t.http().get(`/sdata/crm/test/-/$schema?runName=nightly&runStamp=2026-01-01T00:00:00Z`).expect(200);
  });
});
