import { NS } from '../../src/atom/namespaces';
import { readPayload } from '../../src/atom/payloadRead';
import { payloadNode } from '../../src/atom/payloadWrite';
import { keyUrl } from '../../src/atom/resourceXml';
import { buildSyncFeed, parseSyncFeed, syncStateNode, type ParsedSyncFeed, type SyncFeedEntryOut, type SyncFeedPage } from '../../src/atom/syncFeed';
import { renderFragment } from '../../src/atom/write';
import { SDataError } from '../../src/protocol/diagnosis';
import type { Digest } from '../../src/protocol/types';
import { accounts, crm, EP, UUID_A, UUID_B } from './fixtures';

const ep = `${EP}/accounts`;
const erp = 'http://localhost:3000/sdata/erp/test/-/accounts';
const T0 = '2026-11-22T12:00:00.000Z';
const T1 = '2026-11-22T12:05:00.000Z';
const UUID_C = '22222222-3333-4444-8555-666666666666';

const ceiling: Digest = {
  origin: ep,
  entries: [
    { endpoint: ep, tick: 12, stamp: T1, conflictPriority: 1 },
    { endpoint: erp, tick: 40, stamp: T0, conflictPriority: 2 },
  ],
};
const floor: Digest = { entries: [{ endpoint: ep, tick: 9, stamp: T0, conflictPriority: 1 }] };
const knowledge: Digest = { entries: [{ endpoint: erp, tick: 41, stamp: T1, conflictPriority: 2 }] };

function entryOut(key: string, uuid: string, tick: number, extra: Partial<SyncFeedEntryOut> = {}, values: Record<string, unknown> = { name: `Account ${key}`, balance: '12.50' }): SyncFeedEntryOut {
  const url = keyUrl(ep, key);
  const deleted = extra.deleted ?? false;
  return {
    id: url,
    title: `account ${key}`,
    updated: T0,
    uuid,
    state: { endpoint: ep, tick, stamp: T0 },
    deleted,
    payload: payloadNode({ key, uuid, url, values, deleted }, accounts, crm),
    ...extra,
  };
}

const page = (over: Partial<SyncFeedPage> = {}): SyncFeedPage => ({
  id: `${ep}/$syncSource('${UUID_C}')`,
  title: 'Sync feed',
  updated: T1,
  mode: 'catchUp',
  ceiling,
  floor,
  links: [
    { rel: 'self', href: `${ep}/$syncSource('${UUID_C}')?startIndex=1&count=3` },
    { rel: 'first', href: `${ep}/$syncSource('${UUID_C}')?startIndex=1&count=3` },
    { rel: 'next', href: `${ep}/$syncSource('${UUID_C}')?startIndex=4&count=3` },
  ],
  totalResults: 7,
  startIndex: 1,
  itemsPerPage: 3,
  entries: [
    entryOut('1', UUID_A, 9, { knowledge, etag: '"e9"', state: { endpoint: ep, tick: 9, stamp: T0, user: 'ann' } }),
    entryOut('2', UUID_B, 10),
    entryOut('3', UUID_C, 11, { deleted: true }),
  ],
  ...over,
});

function feedError(text: string): SDataError {
  try {
    parseSyncFeed(text);
  } catch (err) {
    if (err instanceof SDataError) return err;
    throw err;
  }
  throw new Error('the feed was accepted');
}

describe('buildSyncFeed and parseSyncFeed', () => {
  const xml = buildSyncFeed(page());
  const parsed = parseSyncFeed(xml);

  it('round-trips the feed head: id, mode, ceiling, floor, next link and counts', () => {
    const { entries, ...head } = parsed;
    expect(head).toEqual({
      id: `${ep}/$syncSource('${UUID_C}')`,
      mode: 'catchUp',
      ceiling,
      floor,
      next: `${ep}/$syncSource('${UUID_C}')?startIndex=4&count=3`,
      totalResults: 7,
      startIndex: 1,
    });
    expect(entries).toHaveLength(3);
  });

  it('round-trips each entry: position, id, uuid, key, sync state, knowledge and deletion', () => {
    const plain = parsed.entries.map(({ payload, ...rest }) => rest);
    expect(plain).toEqual([
      { index: 1, id: keyUrl(ep, '1'), uuid: UUID_A, givenUuid: UUID_A, key: '1', state: { endpoint: ep, tick: 9, stamp: T0, user: 'ann' }, knowledge, deleted: false },
      { index: 2, id: keyUrl(ep, '2'), uuid: UUID_B, givenUuid: UUID_B, key: '2', state: { endpoint: ep, tick: 10, stamp: T0 }, deleted: false },
      { index: 3, id: keyUrl(ep, '3'), uuid: UUID_C, givenUuid: UUID_C, key: '3', state: { endpoint: ep, tick: 11, stamp: T0 }, deleted: true },
    ]);
  });

  it('returns the payload element unread, ready for the target to read per entry', () => {
    const [first, , deleted] = parsed.entries;
    expect(first.payload?.name).toBe('account');
    expect(readPayload(first.payload!, accounts, crm)).toEqual({ key: '1', uuid: UUID_A, deleted: false, values: { name: 'Account 1', balance: '12.50' } });
    expect(deleted.payload?.children).toEqual([]);
  });

  it('writes the prefixes SData clients read, with Atom as the default namespace', () => {
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><feed xmlns="http:\/\/www.w3.org\/2005\/Atom" xmlns:sdata=/);
    for (const tag of ['<sync:syncMode>catchUp</sync:syncMode>', '<sync:digest><sync:origin>', '<x:floorDigest>', '<sync:syncState>', '<sdata:payload>', '<opensearch:totalResults>7<', '<http:etag>&quot;e9&quot;</http:etag>']) {
      expect(xml).toContain(tag);
    }
    expect(xml.indexOf('<sync:digest>')).toBeLessThan(xml.indexOf('<x:floorDigest>'));
    expect(xml.indexOf('<x:floorDigest>')).toBeLessThan(xml.indexOf('<entry>'));
  });

  it('writes x:knowledge only for an entry given a knowledge digest with entries', () => {
    expect(xml.match(/<x:knowledge>/g)).toHaveLength(1);
    const withEmpty = buildSyncFeed(page({ entries: [entryOut('1', UUID_A, 9, { knowledge: { entries: [] } })] }));
    expect(withEmpty).not.toContain('knowledge');
    expect(parseSyncFeed(withEmpty).entries[0].knowledge).toBeUndefined();
  });

  it('leaves the floor out when the source has none, and reads its absence', () => {
    const noFloor = buildSyncFeed(page({ floor: undefined, mode: 'immediate', links: page().links.slice(0, 2) }));
    expect(noFloor).not.toContain('floorDigest');
    const got = parseSyncFeed(noFloor);
    expect(got.floor).toBeUndefined();
    expect(got.next).toBeUndefined();
    expect(got.mode).toBe('immediate');
    expect(got.ceiling).toEqual(ceiling);
  });

  it('marks a deleted entry on its payload and adds a sdata:uuid the payload lacks', () => {
    const bare = { ...entryOut('4', UUID_A, 12), deleted: true, payload: { tag: 'account', attrs: { 'sdata:key': '4' } } };
    const got = parseSyncFeed(buildSyncFeed(page({ entries: [bare] }))).entries[0];
    expect(got).toMatchObject({ uuid: UUID_A, key: '4', deleted: true });
  });

  it('writes an empty page as a valid feed', () => {
    expect(parseSyncFeed(buildSyncFeed(page({ entries: [], totalResults: 0 })))).toMatchObject({ totalResults: 0, entries: [] });
  });
});

describe('syncStateNode', () => {
  it('writes endpoint, tick, stamp, then user and knowledge only when there is one', () => {
    expect(renderFragment(syncStateNode({ endpoint: ep, tick: 3, stamp: T0 }))).toBe(
      `<sync:syncState><sync:endpoint>${ep}</sync:endpoint><sync:tick>3</sync:tick><sync:stamp>${T0}</sync:stamp></sync:syncState>`,
    );
    const full = renderFragment(syncStateNode({ endpoint: ep, tick: 3, stamp: T0, user: 'bo' }, knowledge));
    expect(full).toContain('<sync:stamp>2026-11-22T12:00:00.000Z</sync:stamp><sync:user>bo</sync:user><x:knowledge><sync:digestEntry>');
  });
});

// ---------------------------------------------------------------------------------------------------------
// The same feed written with the sync namespace as `sync:`, as `sdatasync:`, and as a default namespace.

type Variant = 'sync' | 'sdatasync' | 'default';

/** A sync-namespace element as the variant writes it. */
function s(v: Variant, name: string, inner: string): string {
  return v === 'default' ? `<${name} xmlns="${NS.sync}">${inner}</${name}>` : `<${v}:${name}>${inner}</${v}:${name}>`;
}

function digestXml(v: Variant, tag: string, d: Digest): string {
  const entries = d.entries
    .map((e) => s(v, 'digestEntry', s(v, 'endpoint', e.endpoint) + s(v, 'tick', String(e.tick)) + s(v, 'stamp', e.stamp) + s(v, 'conflictPriority', String(e.conflictPriority))))
    .join('');
  const origin = d.origin ? s(v, 'origin', d.origin) : '';
  return tag === 'digest' ? s(v, 'digest', origin + entries) : `<x:${tag}>${origin}${entries}</x:${tag}>`;
}

function handWrittenFeed(v: Variant, syncStateOf: (v: Variant) => string = (w) => s(w, 'syncState', s(w, 'endpoint', ep) + s(w, 'tick', '9') + s(w, 'stamp', T0) + digestXml(w, 'knowledge', knowledge))): string {
  const decl = v === 'default' ? '' : ` xmlns:${v}="${NS.sync}"`;
  return (
    `<feed xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}" xmlns:x="${NS.x}" xmlns:os="${NS.opensearch}"${decl}>` +
    `<id>${ep}/$syncSource('x')</id><os:totalResults>1</os:totalResults>` +
    s(v, 'syncMode', 'catchUp') +
    digestXml(v, 'digest', ceiling) +
    digestXml(v, 'floorDigest', floor) +
    `<entry><id>${keyUrl(ep, '1')}</id>${syncStateOf(v)}` +
    `<sdata:payload><account xmlns="${NS.dynamic}" sdata:key="1" sdata:uuid="${UUID_A}"><name>A</name></account></sdata:payload></entry>` +
    `</feed>`
  );
}

describe('parseSyncFeed matches by namespace URI, never by prefix', () => {
  const expected: ParsedSyncFeed = {
    id: `${ep}/$syncSource('x')`,
    mode: 'catchUp',
    ceiling,
    floor,
    totalResults: 1,
    entries: [{ index: 1, id: keyUrl(ep, '1'), uuid: UUID_A, givenUuid: UUID_A, key: '1', state: { endpoint: ep, tick: 9, stamp: T0 }, knowledge, deleted: false }],
  };

  it.each<Variant>(['sync', 'sdatasync', 'default'])('reads the feed written with %s', (v) => {
    const got = parseSyncFeed(handWrittenFeed(v));
    const { payload, ...entry } = got.entries[0];
    expect({ ...got, entries: [entry] }).toEqual(expected);
    expect(payload).toMatchObject({ name: 'account', ns: NS.dynamic });
  });

  it('reads an Atom feed written with an atom: prefix', () => {
    const prefixed = handWrittenFeed('sync')
      .replace(`<feed xmlns="${NS.atom}"`, `<atom:feed xmlns:atom="${NS.atom}"`)
      .replace('</feed>', '</atom:feed>')
      .replace(/<(\/?)(entry|id)>/g, '<$1atom:$2>');
    expect(parseSyncFeed(prefixed).entries[0]).toMatchObject({ id: keyUrl(ep, '1'), uuid: UUID_A });
  });

  it('does not take elements of another namespace written with the same prefix', () => {
    const other = handWrittenFeed('sync').replace(`xmlns:sync="${NS.sync}"`, 'xmlns:sync="urn:not-sync"');
    expect(feedError(other).diagnoses[0]).toMatchObject({ applicationCode: 'InvalidSyncFeed', payloadPath: 'floorDigest/digestEntry' });
    const withoutFloor = other.replace(/<x:floorDigest>.*<\/x:floorDigest>/, '');
    expect(feedError(withoutFloor).diagnoses[0]).toMatchObject({ applicationCode: 'InvalidSyncFeed', payloadPath: 'entry[1]/syncState' });
  });
});

// ---------------------------------------------------------------------------------------------------------
// Sync metadata errors refuse the whole feed.

const state = (inner: string) => `<sync:syncState>${inner}</sync:syncState>`;
const okState = state(`<sync:endpoint>${ep}</sync:endpoint><sync:tick>5</sync:tick><sync:stamp>${T0}</sync:stamp>`);
const entryXml = (syncState: string) => `<entry><id>${keyUrl(ep, '1')}</id>${syncState}<sdata:payload><account sdata:uuid="${UUID_A}"/></sdata:payload></entry>`;
const digestEntry = (tick: string, prio: string) =>
  `<sync:digestEntry><sync:endpoint>${ep}</sync:endpoint><sync:tick>${tick}</sync:tick><sync:stamp>${T0}</sync:stamp><sync:conflictPriority>${prio}</sync:conflictPriority></sync:digestEntry>`;
const feedXml = (head: string, ...entries: string[]) =>
  `<feed xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}" xmlns:sync="${NS.sync}" xmlns:x="${NS.x}"><id>f</id>${head}${entries.join('')}</feed>`;
const goodHead = `<sync:syncMode>catchUp</sync:syncMode><sync:digest><sync:origin>${ep}</sync:origin>${digestEntry('6', '1')}</sync:digest>`;

describe('parseSyncFeed refuses a feed with bad sync metadata (400 InvalidSyncFeed)', () => {
  it.each([
    ['the root is an Atom entry', `<entry xmlns="${NS.atom}"/>`, 'feed'],
    ['the root is a feed of another namespace', `<feed xmlns="urn:other"/>`, 'feed'],
    ['an entry has no syncState', feedXml(goodHead, entryXml(okState), entryXml('')), 'entry[2]/syncState'],
    ['an entry has two syncStates', feedXml(goodHead, entryXml(okState + okState)), 'entry[1]/syncState'],
    ['a tick is missing', feedXml(goodHead, entryXml(state(`<sync:endpoint>${ep}</sync:endpoint><sync:stamp>${T0}</sync:stamp>`))), 'entry[1]/syncState/tick'],
    ['a tick is not an integer', feedXml(goodHead, entryXml(state(`<sync:endpoint>${ep}</sync:endpoint><sync:tick>5.5</sync:tick><sync:stamp>${T0}</sync:stamp>`))), 'entry[1]/syncState/tick'],
    ['a tick is text', feedXml(goodHead, entryXml(okState), entryXml(okState), entryXml(state(`<sync:endpoint>${ep}</sync:endpoint><sync:tick>five</sync:tick><sync:stamp>${T0}</sync:stamp>`))), 'entry[3]/syncState/tick'],
    ['a tick is negative', feedXml(goodHead, entryXml(state(`<sync:endpoint>${ep}</sync:endpoint><sync:tick>-1</sync:tick><sync:stamp>${T0}</sync:stamp>`))), 'entry[1]/syncState/tick'],
    ['a tick is beyond a safe integer', feedXml(goodHead, entryXml(state(`<sync:endpoint>${ep}</sync:endpoint><sync:tick>99999999999999999999</sync:tick><sync:stamp>${T0}</sync:stamp>`))), 'entry[1]/syncState/tick'],
    ['the endpoint is missing', feedXml(goodHead, entryXml(state(`<sync:tick>5</sync:tick><sync:stamp>${T0}</sync:stamp>`))), 'entry[1]/syncState/endpoint'],
    ['the endpoint is empty', feedXml(goodHead, entryXml(state(`<sync:endpoint> </sync:endpoint><sync:tick>5</sync:tick><sync:stamp>${T0}</sync:stamp>`))), 'entry[1]/syncState/endpoint'],
    ['the stamp is not a date-time', feedXml(goodHead, entryXml(state(`<sync:endpoint>${ep}</sync:endpoint><sync:tick>5</sync:tick><sync:stamp>yesterday</sync:stamp>`))), 'entry[1]/syncState/stamp'],
    ['the stamp is beyond the year 9999', feedXml(goodHead, entryXml(state(`<sync:endpoint>${ep}</sync:endpoint><sync:tick>5</sync:tick><sync:stamp>+010000-01-01T00:00:00.000Z</sync:stamp>`))), 'entry[1]/syncState/stamp'],
    ['the stamp is before the year 1', feedXml(goodHead, entryXml(state(`<sync:endpoint>${ep}</sync:endpoint><sync:tick>5</sync:tick><sync:stamp>-000001-12-31T00:00:00Z</sync:stamp>`))), 'entry[1]/syncState/stamp'],
    ['the stamp is missing', feedXml(goodHead, entryXml(state(`<sync:endpoint>${ep}</sync:endpoint><sync:tick>5</sync:tick>`))), 'entry[1]/syncState/stamp'],
    ['syncState holds an unknown sync element', feedXml(goodHead, entryXml(state(`<sync:endpoint>${ep}</sync:endpoint><sync:tick>5</sync:tick><sync:stamp>${T0}</sync:stamp><sync:color>red</sync:color>`))), 'entry[1]/syncState/color'],
    ['syncState holds an element of another namespace', feedXml(goodHead, entryXml(state(`<sync:endpoint>${ep}</sync:endpoint><sync:tick>5</sync:tick><sync:stamp>${T0}</sync:stamp><x:note>hi</x:note>`))), 'entry[1]/syncState/note'],
    ['syncState repeats the tick', feedXml(goodHead, entryXml(state(`<sync:endpoint>${ep}</sync:endpoint><sync:tick>5</sync:tick><sync:tick>6</sync:tick><sync:stamp>${T0}</sync:stamp>`))), 'entry[1]/syncState/tick'],
    ['the syncMode is unknown', feedXml(`<sync:syncMode>sometimes</sync:syncMode>`, entryXml(okState)), 'syncMode'],
    ['the feed has two digests', feedXml(`${goodHead}<sync:digest/>`, entryXml(okState)), 'digest'],
    ['the ceiling holds an unknown element', feedXml(`<sync:digest><sync:origin>${ep}</sync:origin><sync:extra/></sync:digest>`), 'digest/extra'],
    ['a ceiling tick is not an integer', feedXml(`<sync:digest>${digestEntry('x', '1')}</sync:digest>`), 'digest/digestEntry[1]/tick'],
    ['a ceiling priority is 0', feedXml(`<sync:digest><sync:origin>${ep}</sync:origin>${digestEntry('3', '0')}</sync:digest>`), 'digest/digestEntry[1]/conflictPriority'],
    ['a floor priority is 10', feedXml(`${goodHead}<x:floorDigest>${digestEntry('3', '2')}${digestEntry('4', '10').replace(ep, erp)}</x:floorDigest>`), 'floorDigest/digestEntry[2]/conflictPriority'],
    [
      'a knowledge priority is not a number',
      feedXml(goodHead, entryXml(okState.replace('</sync:syncState>', `<x:knowledge>${digestEntry('7', 'high')}</x:knowledge></sync:syncState>`))),
      'entry[1]/syncState/knowledge/digestEntry[1]/conflictPriority',
    ],
    [
      'a knowledge digest holds an unknown element',
      feedXml(goodHead, entryXml(okState), entryXml(okState.replace('</sync:syncState>', `<x:knowledge><sync:whatever/></x:knowledge></sync:syncState>`))),
      'entry[2]/syncState/knowledge/whatever',
    ],
  ])('%s', (_label, text, payloadPath) => {
    const err = feedError(text);
    expect(err.status).toBe(400);
    expect(err.diagnoses).toEqual([expect.objectContaining({ severity: 'Error', sdataCode: 'BadRequest', applicationCode: 'InvalidSyncFeed', payloadPath })]);
  });

  it('answers malformed XML and DOCTYPEs with their own 400s', () => {
    expect(feedError('<feed><entry></feed>').diagnoses[0]).toMatchObject({ sdataCode: 'BadRequest', applicationCode: 'MalformedXml' });
    expect(feedError('<!DOCTYPE feed [<!ENTITY x "y">]><feed/>').diagnoses[0]).toMatchObject({ applicationCode: 'DoctypeRefused' });
  });
});

describe('parseSyncFeed leaves payload problems to the target, per entry', () => {
  const withPayload = (payload: string, extra = '') => parseSyncFeed(feedXml(goodHead, `<entry xmlns:http="${NS.http}">${okState}${extra}${payload}</entry>`)).entries[0];

  it('leaves the uuid undefined when the payload has none, one that is not a UUID, or the nil UUID (keeping what it wrote)', () => {
    expect(withPayload('<sdata:payload><account><name>A</name></account></sdata:payload>')).toMatchObject({ payload: { name: 'account' } });
    expect(withPayload('<sdata:payload><account/></sdata:payload>').uuid).toBeUndefined();
    for (const given of ['not-a-uuid', '00000000-0000-0000-0000-000000000000']) {
      const e = withPayload(`<sdata:payload><account sdata:uuid="${given}"/></sdata:payload>`);
      expect([e.uuid, e.givenUuid]).toEqual([undefined, given]);
    }
  });

  it('takes an entry-level sdata:uuid when the payload has none, and lower-cases UUIDs', () => {
    expect(withPayload('<sdata:payload><account/></sdata:payload>', `<sdata:uuid>${UUID_B}</sdata:uuid>`).uuid).toBe(UUID_B);
    expect(withPayload(`<sdata:payload><account sdata:uuid="${UUID_A.toUpperCase()}"/></sdata:payload>`, `<sdata:uuid>${UUID_B}</sdata:uuid>`).uuid).toBe(UUID_A);
  });

  it('has no payload for an entry without sdata:payload, and reads http:httpMethod DELETE as a deletion', () => {
    expect(withPayload('').payload).toBeUndefined();
    expect(withPayload('', '<http:httpMethod>delete</http:httpMethod>')).toMatchObject({ httpMethod: 'DELETE', deleted: true });
    expect(withPayload(`<sdata:payload><account sdata:uuid="${UUID_A}" sdata:isDeleted="1"/></sdata:payload>`).deleted).toBe(true);
    expect(withPayload(`<sdata:payload><account sdata:uuid="${UUID_A}" sdata:isDeleted="false"/></sdata:payload>`).deleted).toBe(false);
  });
});
