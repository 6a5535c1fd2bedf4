import { NS } from '../../src/atom/namespaces';
import { keyUrl } from '../../src/atom/resourceXml';
import { buildResultFeed, parseResultFeed, readResultSummary, summarisedEntries, summariseResults, type ResultEntry, type ResultFeed } from '../../src/atom/resultFeed';
import { SDataError, type Diagnosis } from '../../src/protocol/diagnosis';
import { EP, UUID_A, UUID_B } from './fixtures';

const ep = `${EP}/accounts`;
const src = 'http://localhost:3000/sdata/erp/test/-/accounts';
const T0 = '2026-11-22T12:00:00.000Z';

const conflict: Diagnosis = { severity: 'Warning', sdataCode: 'ApplicationDiagnosis', applicationCode: 'Conflict', message: "the target's version was kept: priority 1 < 2" };
const skipped: Diagnosis = { severity: 'Info', sdataCode: 'ApplicationDiagnosis', applicationCode: 'Skipped', message: 'the target already has this version' };
const invalid: Diagnosis = { severity: 'Error', sdataCode: 'BadRequest', applicationCode: 'InvalidValue', message: "'x' is not valid for <balance>", payloadPath: 'account/balance' };
const gap: Diagnosis = { severity: 'Warning', sdataCode: 'ApplicationDiagnosis', applicationCode: 'SyncGap', message: 'the digest was not moved for a gapped endpoint' };

const entries: ResultEntry[] = [
  { id: keyUrl(src, 'A00001'), uuid: UUID_A, httpStatus: 201, httpMessage: 'Created', httpMethod: 'POST', location: keyUrl(ep, '1'), etag: '"e1"', diagnoses: [] },
  { id: keyUrl(src, 'A00002'), uuid: UUID_B, httpStatus: 200, httpMessage: 'OK', httpMethod: 'PUT', location: keyUrl(ep, '2'), etag: '"e2"', diagnoses: [] },
  { id: keyUrl(src, 'A00003'), httpStatus: 200, httpMessage: 'OK', httpMethod: 'DELETE', location: keyUrl(ep, '3'), diagnoses: [] },
  { id: keyUrl(src, 'A00004'), httpStatus: 200, httpMessage: 'Conflict resolved: target version kept', httpMethod: 'PUT', diagnoses: [conflict] },
  { id: keyUrl(src, 'A00005'), httpStatus: 304, httpMessage: 'Not Modified', diagnoses: [skipped] },
  { httpStatus: 422, httpMessage: 'Unprocessable Entity: quarantined at $failures', diagnoses: [invalid, { ...invalid, payloadPath: 'account/name' }] },
];

const feed: ResultFeed = {
  id: `${ep}/$syncTarget('t1')`,
  title: 'Result of a page',
  updated: T0,
  entries,
  diagnoses: [gap],
  runName: 'nightly',
  runStamp: '2026-11-22T11:59:00Z',
  source: src,
  target: ep,
  kind: 'accounts',
};

function resultError(text: string): SDataError {
  try {
    parseResultFeed(text);
  } catch (err) {
    if (err instanceof SDataError) return err;
    throw err;
  }
  throw new Error('the result feed was accepted');
}

describe('buildResultFeed and parseResultFeed', () => {
  const xml = buildResultFeed(feed);

  it('round-trips entries, feed-level diagnoses and run metadata; an entry without an id is named by its place', () => {
    const named = entries.map((e, i) => (e.id === undefined ? { ...e, id: `${feed.id}#${i + 1}` } : e));
    expect(parseResultFeed(xml)).toEqual({ ...feed, entries: named });
  });

  it('writes the http and sdata prefixes, self and first links, and one entry per input entry', () => {
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><feed xmlns="http:\/\/www.w3.org\/2005\/Atom"/);
    expect(xml).toContain(`<link rel="self" type="application/atom+xml; type=feed" href="${ep}/$syncTarget(&apos;t1&apos;)"/><link rel="first"`);
    expect(xml).toContain('<x:runName>nightly</x:runName><x:runStamp>2026-11-22T11:59:00Z</x:runStamp>');
    expect(xml).toContain(
      `<x:uuid>${UUID_A}</x:uuid><http:httpMethod>POST</http:httpMethod><http:httpStatus>201</http:httpStatus><http:httpMessage>Created</http:httpMessage><http:location>`,
    );
    expect(xml.match(/<entry>/g)).toHaveLength(entries.length);
    expect(xml.indexOf('<sdata:applicationCode>SyncGap')).toBeLessThan(xml.indexOf('<entry>'));
  });

  it('leaves out what is not known: run metadata, feed diagnoses', () => {
    const bare: ResultFeed = { id: 'urn:x', updated: T0, entries: [{ httpStatus: 304, httpMessage: 'Not Modified', diagnoses: [] }] };
    const text = buildResultFeed(bare);
    expect(text).not.toMatch(/<x:(runName|runStamp|source|target|kind|uuid)\b/);
    expect(text).not.toContain('diagnosis');
    expect(parseResultFeed(text)).toEqual({ ...bare, entries: [{ ...bare.entries[0], id: 'urn:x#1' }] });
  });

  it('reads a result feed written with other prefixes', () => {
    const text =
      `<a:feed xmlns:a="${NS.atom}" xmlns:h="${NS.http}" xmlns:s="${NS.sdata}" xmlns:e="${NS.x}"><a:id>r</a:id><a:updated>${T0}</a:updated><e:kind>accounts</e:kind>` +
      `<a:entry><a:id>i</a:id><h:httpMethod>post</h:httpMethod><h:httpStatus>201</h:httpStatus><h:httpMessage>Created</h:httpMessage>` +
      `<s:diagnoses><s:diagnosis><s:severity>Info</s:severity><s:sdataCode>ApplicationDiagnosis</s:sdataCode><s:message>m</s:message></s:diagnosis></s:diagnoses></a:entry></a:feed>`;
    expect(parseResultFeed(text)).toEqual({
      id: 'r',
      updated: T0,
      kind: 'accounts',
      entries: [{ id: 'i', httpStatus: 201, httpMessage: 'Created', httpMethod: 'POST', diagnoses: [{ severity: 'Info', sdataCode: 'ApplicationDiagnosis', message: 'm' }] }],
    });
  });

  it.each([
    ['the root is not a feed', `<entry xmlns="${NS.atom}"/>`, 'feed'],
    ['an entry has no http:httpStatus', `<feed xmlns="${NS.atom}" xmlns:http="${NS.http}"><entry><http:httpStatus>200</http:httpStatus></entry><entry/></feed>`, 'entry[2]/httpStatus'],
    ['an http:httpStatus is not a status', `<feed xmlns="${NS.atom}" xmlns:http="${NS.http}"><entry><http:httpStatus>ok</http:httpStatus></entry></feed>`, 'entry[1]/httpStatus'],
    ['an http:httpMethod is not POST, PUT or DELETE', `<feed xmlns="${NS.atom}" xmlns:http="${NS.http}"><entry><http:httpStatus>200</http:httpStatus><http:httpMethod>GET</http:httpMethod></entry></feed>`, 'entry[1]/httpMethod'],
  ])('refuses a feed where %s (400 InvalidResultFeed)', (_label, text, payloadPath) => {
    const err = resultError(text);
    expect(err.status).toBe(400);
    expect(err.diagnoses[0]).toMatchObject({ sdataCode: 'BadRequest', applicationCode: 'InvalidResultFeed', payloadPath });
  });
});

describe('summariseResults', () => {
  it('counts each entry once: failures, conflicts, skips, then deletes, creates and updates', () => {
    expect(summariseResults(entries)).toEqual({ created: 1, updated: 1, deleted: 1, conflicts: 1, failures: 1, skipped: 1, warnings: 0 });
  });

  const e = (httpStatus: number, httpMethod?: ResultEntry['httpMethod'], diagnoses: Diagnosis[] = []): ResultEntry => ({ httpStatus, httpMessage: '', httpMethod, diagnoses });
  it.each<[string, ResultEntry, keyof ReturnType<typeof summariseResults>]>([
    ['a conflict the feed won, applied as a create', e(201, 'POST', [{ ...conflict, severity: 'Info' }]), 'conflicts'],
    ['a conflict that failed', e(409, 'PUT', [conflict]), 'failures'],
    ['a 2xx with no method', e(200), 'skipped'],
    ['a skip diagnosis on a 200', e(200, 'PUT', [skipped]), 'skipped'],
    ['a 304 with a method', e(304, 'PUT'), 'skipped'],
    ['a 500', e(500), 'failures'],
    ['an update with an Info note', e(200, 'PUT', [{ severity: 'Info', sdataCode: 'ApplicationDiagnosis', message: 'n' }]), 'updated'],
    ['a delete of a resource never seen (tombstone)', e(200, 'DELETE'), 'deleted'],
  ])('%s', (_label, entry, bucket) => {
    const counts = summariseResults([entry]);
    expect(counts[bucket]).toBe(1);
    expect(summarisedEntries(counts)).toBe(1);
    expect(counts.warnings).toBe(0);
  });

  const ignored: Diagnosis = { severity: 'Warning', sdataCode: 'ApplicationDiagnosis', applicationCode: 'IgnoredProperty', message: 'left out: account/vatNumber', payloadPath: 'account/vatNumber' };
  it.each<[string, ResultEntry, keyof ReturnType<typeof summariseResults>, number]>([
    ['an update that left a property out', e(200, 'PUT', [ignored]), 'updated', 1],
    ['a create that left a property out', e(201, 'POST', [ignored]), 'created', 1],
    ['a conflict the feed won that left a property out', e(200, 'PUT', [{ ...conflict, severity: 'Info' }, ignored]), 'conflicts', 1],
    ["a conflict the target's version won (a Warning, but a conflict's)", e(200, 'PUT', [conflict]), 'conflicts', 0],
    ['a quarantined entry with a warning too', e(422, undefined, [invalid, ignored]), 'failures', 0],
  ])('counts warnings besides the buckets: %s', (_label, entry, bucket, warnings) => {
    const counts = summariseResults([entry]);
    expect(counts[bucket]).toBe(1);
    expect(summarisedEntries(counts)).toBe(1);
    expect(counts.warnings).toBe(warnings);
  });

  it('is all zeros for no entries', () => {
    expect(summariseResults([])).toEqual({ created: 0, updated: 0, deleted: 0, conflicts: 0, failures: 0, skipped: 0, warnings: 0 });
  });
});

describe('readResultSummary', () => {
  const feed: ResultFeed = { id: 'urn:x', updated: T0, entries };

  it('reads the counts from the head of a result feed this product wrote, before its entries', () => {
    const text = buildResultFeed(feed);
    expect(text.indexOf('<x:summary>')).toBeGreaterThan(0);
    expect(text.indexOf('<x:summary>')).toBeLessThan(text.indexOf('<entry>'));
    expect(readResultSummary(text)).toEqual(summariseResults(entries));
    expect(summarisedEntries(readResultSummary(text))).toBe(entries.length);
  });

  it('counts the entries of a result feed without a summary (another SData target)', () => {
    const text = buildResultFeed(feed).replace(/<x:summary>.*?<\/x:summary>/, '');
    expect(text).not.toContain('summary');
    expect(readResultSummary(text)).toEqual({ created: 1, updated: 1, deleted: 1, conflicts: 1, failures: 1, skipped: 1, warnings: 0 });
  });

  it('writes the warnings count in the head, and counts the entries of a summary without one (an older writer)', () => {
    const warned: ResultEntry = { httpStatus: 200, httpMessage: 'OK', httpMethod: 'PUT', diagnoses: [{ severity: 'Warning', sdataCode: 'ApplicationDiagnosis', applicationCode: 'IgnoredProperty', message: 'left out' }] };
    const text = buildResultFeed({ ...feed, entries: [...entries, warned] });
    expect(text).toContain('<x:warnings>1</x:warnings>');
    expect(readResultSummary(text)).toMatchObject({ updated: 2, warnings: 1 });
    expect(readResultSummary(text.replace('<x:warnings>1</x:warnings>', ''))).toMatchObject({ updated: 2, warnings: 1 });
  });

  it('does not trust a summary with a count that is not a whole number, and counts the entries instead', () => {
    const text = buildResultFeed(feed).replace('<x:created>1</x:created>', '<x:created>many</x:created>');
    expect(readResultSummary(text)).toEqual(summariseResults(entries));
  });
});
