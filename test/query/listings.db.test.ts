/**
 * `where` on the sync-side listings: `$conflicts` (id, uuid, key, winner, reason, status, runName,
 * runStamp, createdAt, decidedAt) and `$failures` (id, uuid, attempts, status, runName, runStamp,
 * createdAt, updatedAt), with totals exact and the filter kept by the paging links.
 */
import { randomUUID } from 'node:crypto';
import { describeEachDatabase } from '../support/databases';
import { asText, openTestApp, xmlOf, type TestApp } from '../endpoint/support/app';
import { diagnosisCodes, entriesOf, linksOf, opensearch } from '../endpoint/support/xmlBodies';
import { CRM } from '../endpoint/support/testConfig';
import { decideConflict, parkConflicts } from '../../src/store/conflicts';
import { quarantineEntries, settleFailure } from '../../src/store/failures';
import { NS } from '../../src/atom/namespaces';
import { child, childText } from '../../src/atom/xml';

const EP = `${CRM}/accounts`;
const path = (url: string) => url.replace('http://sdata.test', '');
const version = (uuid: string, tick: number) => ({ uuid, values: { name: `v${tick}` }, deleted: false, state: { endpoint: 'http://elsewhere/sdata/a/b/-/accounts', tick, stamp: '2026-01-01T00:00:00.000Z' } });

const quarantined = (i: number) => ({ index: i, uuid: randomUUID(), deleted: true, state: { endpoint: 'http://elsewhere/sdata/a/b/-/accounts', tick: i + 1, stamp: '2026-01-01T00:00:00.000Z' } });

describeEachDatabase('where on $conflicts and $failures', (tdb) => {
  let t: TestApp;
  const conflicts: { key: string; winner: 'source' | 'target'; reason: string; runName: string; kept: boolean }[] = [];

  beforeAll(async () => {
    t = await openTestApp(tdb);
    const id = t.endpointId(EP);
    for (let i = 0; i < 12; i++) {
      const uuid = randomUUID();
      const c = { key: String(i + 1), winner: i % 3 === 0 ? ('target' as const) : ('source' as const), reason: i % 2 ? 'priority' : "newer stamp's", runName: `run ${i % 4}`, kept: i % 5 === 0 };
      conflicts.push(c);
      await parkConflicts(t.db, id, [{ uuid, key: c.key, winner: c.winner, reason: c.reason, winnerVersion: version(uuid, i), loserVersion: version(uuid, 100 + i) }], { runName: c.runName });
    }
    const rows = await t.db('conflicts').where({ endpoint_id: id }).orderBy('id');
    for (const [i, r] of rows.entries()) if (conflicts[i].kept) await decideConflict(t.db, r.id, 'kept');
    await quarantineEntries(t.db, id, Array.from({ length: 8 }, (_, i) => ({ uuid: randomUUID(), entry: quarantined(i), ceiling: { entries: [] }, diagnoses: [] })), { runName: 'nightly' });
    await quarantineEntries(t.db, id, Array.from({ length: 3 }, (_, i) => ({ uuid: randomUUID(), entry: quarantined(i), ceiling: { entries: [] }, diagnoses: [] })), { runName: 'hourly' });
    const failures = await t.db('failures').where({ endpoint_id: id }).orderBy('id');
    for (const f of failures.slice(0, 4)) await settleFailure(t.db, f.id, 'open');
    await settleFailure(t.db, failures[0].id, 'open');
  });

  const titles = (feed: ReturnType<typeof xmlOf>) => entriesOf(feed).map((e) => childText(e, NS.atom, 'title') ?? '');
  const xText = (feed: ReturnType<typeof xmlOf>, name: string) => entriesOf(feed).map((e) => child(e, NS.x, 'conflict')?.children.find((c) => c.name === name)?.text);

  it('filters conflicts by winner, reason, status and run, totals exact', async () => {
    const cases: [string, (c: (typeof conflicts)[number]) => boolean][] = [
      ["winner eq 'target'", (c) => c.winner === 'target'],
      ["reason eq 'newer stamp''s' and runName ne 'run 1'", (c) => c.reason === "newer stamp's" && c.runName !== 'run 1'],
      ["status eq 'kept' or key in ('2', '3')", (c) => c.kept || ['2', '3'].includes(c.key)],
      ['decidedAt ne null', (c) => c.kept],
      ["createdAt gt @2000-01-01@ and not (status eq 'open')", (c) => c.kept],
      ["runName like 'run _' and winner eq 'source'", (c) => c.winner === 'source'],
    ];
    for (const [where, filter] of cases) {
      const res = await asText(t.http().get(`${path(EP)}/$conflicts`).query({ where, count: '100' })).expect(200);
      const feed = xmlOf(res);
      const expected = conflicts.filter(filter);
      expect({ where, total: opensearch(feed, 'totalResults'), winners: xText(feed, 'winner') }).toEqual({ where, total: expected.length, winners: expected.map((c) => c.winner) });
    }
  });

  it('pages a filtered listing with the filter kept by the links', async () => {
    const res = await asText(t.http().get(`${path(EP)}/$conflicts`).query({ where: "winner eq 'source'", count: '3' })).expect(200);
    const feed = xmlOf(res);
    expect(opensearch(feed, 'totalResults')).toBe(conflicts.filter((c) => c.winner === 'source').length);
    expect(new URL(linksOf(feed).next).searchParams.get('where')).toBe("winner eq 'source'");
  });

  it('filters failures by attempts, run and time', async () => {
    const count = async (where: string) => {
      const feed = xmlOf(await asText(t.http().get(`${path(EP)}/$failures`).query({ where })).expect(200));
      expect(titles(feed)).toHaveLength(opensearch(feed, 'totalResults'));
      return opensearch(feed, 'totalResults');
    };
    expect(await count("runName eq 'nightly'")).toBe(8);
    expect(await count('attempts ge 2')).toBe(4);
    expect(await count('attempts eq 3')).toBe(1);
    expect(await count("attempts eq 1 and runName eq 'hourly'")).toBe(3);
    expect(await count('updatedAt ge createdAt')).toBe(11);
  });

  it('refuses unknown names and bad syntax with their position', async () => {
    for (const [service, where] of [
      ['$conflicts', 'payload eq 1'],
      ['$failures', 'winner eq 1'],
      ['$failures', "status eq 'open"],
    ]) {
      const res = await asText(t.http().get(`${path(EP)}/${service}`).query({ where })).expect(400);
      expect(diagnosisCodes(xmlOf(res))).toEqual(['BadWhereSyntax']);
    }
  });
});
