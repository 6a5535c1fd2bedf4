/**
 * Distributions from one source to several targets against a real endpoint server and event logger (in
 * this process, on loopback), on PGlite and PostgreSQL: two-phase all or nothing (one target refusing a
 * payload, one too slow to answer), resources held while prepared, a prepared batch's own timeout, a target
 * ahead of the others, one-phase passes, and the one logger record with every target's vote.
 */
import { canonicalUrl } from '../../src/protocol/endpointUrl';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startServer, type RunningServer } from '../../src/endpoint/server';
import { SDataClient } from '../../src/engine/sdataClient';
import { runDistribution, type DistributionOptions } from '../../src/engine/distribute';
import { runPass } from '../../src/engine/pass';
import { startLogger, type RunningLogger } from '../../src/logger/service';
import { sameTicks } from '../../src/protocol/digest';
import { describeEachDatabase } from '../support/databases';
import { create, digestOf, loggedRuns, readAll, update, valuesByUuid } from '../e2e/support/sdata';
import { sitesConfig } from './support/sites';

const fast = { attempts: 2, startingDelayMillis: 1, maxDelayMillis: 5 };

/** A proxy to `upstream` that holds prepare requests for `delayMillis` before forwarding them. */
async function slowPrepareProxy(upstream: string, delayMillis: number): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      if (req.url?.includes('phase=prepare')) await new Promise((r) => setTimeout(r, delayMillis));
      const answer = await fetch(`${upstream}${req.url}`, { method: req.method, headers: { 'content-type': req.headers['content-type'] ?? 'application/xml' }, body: chunks.length ? Buffer.concat(chunks) : undefined });
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/xml', ...(answer.headers.get('location') ? { location: answer.headers.get('location')! } : {}) });
      res.end(await answer.text());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describeEachDatabase('distribution', (tdb) => {
  let server: RunningServer;
  let logger: RunningLogger;
  let runs = 0;
  const ep = (site: string) => canonicalUrl(`${server.url}/sdata/${site}/test/-/accounts`);

  const options = (over: Partial<DistributionOptions> & Pick<DistributionOptions, 'source' | 'targets'>): DistributionOptions => ({
    client: new SDataClient({ run: { runName: `distribution ${++runs}`, runStamp: new Date().toISOString() }, retry: fast }),
    twoPhase: true,
    timeoutSeconds: 10,
    loggers: [logger.ingestUrl],
    ...over,
  });

  beforeAll(async () => {
    const db = await tdb.open();
    const cfg = sitesConfig(['hub', 't1', 't2', { name: 'strict', integerBalance: true }, 't3', 'slow', 'p1', 'p2', 'ahead', 'behind']);
    server = await startServer(cfg, { db, port: 0 });
    logger = await startLogger(cfg, { db, port: 0 });
  });

  afterAll(async () => {
    await logger?.close();
    await server?.close();
  });

  it('with one of three targets refusing a payload, none changes and no digest moves; the logger has every vote', async () => {
    await create(ep('hub'), 'account', { name: 'Decimal', balance: '1.50' });
    const targets = [ep('t1'), ep('t2'), ep('strict')];
    const before = await Promise.all(targets.map(digestOf));
    const s = await runDistribution(options({ source: ep('hub'), targets }));
    expect(s.decision).toBe('abort');
    expect(Object.fromEntries(s.targets.map((t) => [t.target, t.vote]))).toEqual({ [ep('t1')]: 'Ack', [ep('t2')]: 'Ack', [ep('strict')]: 'Nak' });
    expect(s.targets.find((t) => t.target === ep('strict'))!.diagnoses[0].message).toMatch(/balance/);
    for (const [i, t] of targets.entries()) {
      expect(await readAll(t)).toEqual([]);
      expect(sameTicks(await digestOf(t), before[i])).toBe(true);
    }
    const [run] = await loggedRuns(logger.url, { runName: `distribution ${runs}` });
    expect(run).toMatchObject({ source: ep('hub'), target: targets.join(' '), state: 'failed' });
    expect(run.votes).toEqual([
      { target: ep('t1'), vote: 'Ack', outcome: 'aborted' },
      { target: ep('t2'), vote: 'Ack', outcome: 'aborted' },
      { target: ep('strict'), vote: 'Nak', outcome: 'aborted' },
    ]);
  });

  it('with every target Acking, all of them show the change and their digests hold the source ceiling', async () => {
    const targets = [ep('t1'), ep('t2'), ep('t3')];
    const s = await runDistribution(options({ source: ep('hub'), targets }));
    expect(s.decision).toBe('commit');
    expect(s.targets.map((t) => t.outcome)).toEqual(['committed', 'committed', 'committed']);
    const hub = Object.fromEntries(await valuesByUuid(ep('hub')));
    const hubDigest = await digestOf(ep('hub'));
    const hubTick = hubDigest.entries.find((e) => e.endpoint === hubDigest.origin)!.tick;
    for (const t of targets) {
      expect(Object.fromEntries(await valuesByUuid(t))).toEqual(hub);
      expect((await digestOf(t)).entries.find((e) => e.endpoint === hubDigest.origin)!.tick).toBe(hubTick);
    }
    const [run] = await loggedRuns(logger.url, { runName: `distribution ${runs}` });
    expect(run.state).toBe('done');
    expect(run.votes.map((v) => v.outcome)).toEqual(['committed', 'committed', 'committed']);
  });

  it('a target that does not answer within the timeout makes the distribution abort everywhere, its own batch too', async () => {
    await create(ep('hub'), 'account', { name: 'Late one' });
    const proxy = await slowPrepareProxy(server.url, 1500);
    try {
      const slow = `${proxy.url}/sdata/slow/test/-/accounts`;
      const s = await runDistribution(options({ source: ep('hub'), targets: [ep('p1'), slow, ep('p2')], timeoutSeconds: 0.5 }));
      expect(s.decision).toBe('abort');
      expect(s.targets.find((t) => t.target === slow)!.vote).toBe('Late');
      for (const t of [ep('p1'), ep('p2')]) expect(await readAll(t)).toEqual([]);
      // The late prepare arrives after the decision: it is aborted once it has answered.
      await new Promise((r) => setTimeout(r, 2000));
      const prepared = await server.db('contexts').where({ role: 'prepared', status: 'prepared' });
      expect(prepared).toEqual([]);
      expect(await readAll(ep('slow'))).toEqual([]);
    } finally {
      proxy.server.close();
    }
  });

  it('while a batch is prepared, its resources refuse local changes and other sync pages (409 Transient); the commit then applies', async () => {
    const [account] = await readAll(ep('t1'));
    await update(ep('hub'), (await readAll(ep('hub'))).find((r) => r.uuid === account.uuid)!.key, 'account', { name: 'Decimal (hub edit)' });
    const s = await runDistribution(
      options({
        source: ep('hub'),
        targets: [ep('t1'), ep('t2')],
        onPrepared: async () => {
          const put = await fetch(`${ep('t1')}('${account.key}')`, {
            method: 'PUT',
            headers: { 'content-type': 'application/atom+xml;type=entry' },
            body: `<entry xmlns="http://www.w3.org/2005/Atom" xmlns:sdata="http://schemas.sage.com/sdata/2008/1"><sdata:payload><account xmlns="urn:sdata-sync:demo"><name>Local edit</name></account></sdata:payload></entry>`,
          });
          expect(put.status).toBe(409);
          expect(await put.text()).toMatch(/Transient[\s\S]*PreparedBatch|PreparedBatch[\s\S]*Transient/);
          // Another source's page touching the same resource waits too (t3 has its copy from the earlier distribution).
          await update(ep('t3'), (await readAll(ep('t3'))).find((r) => r.uuid === account.uuid)!.key, 'account', { name: 'From t3' });
          const client = new SDataClient({ run: { runName: 'other', runStamp: new Date().toISOString() }, retry: { attempts: 1, startingDelayMillis: 1, maxDelayMillis: 1 } });
          await expect(runPass({ source: ep('t3'), target: ep('t1'), client })).rejects.toThrow(/PreparedBatch/);
        },
      }),
    );
    expect(s.decision).toBe('commit');
    expect((await valuesByUuid(ep('t1'))).get(account.uuid)).toMatchObject({ name: 'Decimal (hub edit)' });
    expect((await valuesByUuid(ep('t2'))).get(account.uuid)).toMatchObject({ name: 'Decimal (hub edit)' });
  });

  it('a target ahead of the others ignores what it has (rule 1), its claims are contiguous and it Acks', async () => {
    // `ahead` got everything of hub already; `behind` got nothing: the floor is behind's digest.
    await runPass({ source: ep('hub'), target: ep('ahead'), client: new SDataClient({ run: { runName: 'pre', runStamp: new Date().toISOString() }, retry: fast }) });
    const aheadBefore = await digestOf(ep('ahead'));
    const s = await runDistribution(options({ source: ep('hub'), targets: [ep('ahead'), ep('behind')], pageSize: 1 }));
    expect(s.pages).toBeGreaterThan(1);
    expect(s.decision).toBe('commit');
    expect(s.targets.map((t) => t.vote)).toEqual(['Ack', 'Ack']);
    expect(s.targets[0].counts).toMatchObject({ created: 0, updated: 0, skipped: (await readAll(ep('hub'))).length });
    expect(sameTicks(await digestOf(ep('ahead')), aheadBefore)).toBe(true);
    expect(Object.fromEntries(await valuesByUuid(ep('behind')))).toEqual(Object.fromEntries(await valuesByUuid(ep('hub'))));
  });

  it('one-phase runs an ordinary pass to each target and gives the logger one record', async () => {
    await create(ep('hub'), 'account', { name: 'One phase' });
    const s = await runDistribution(options({ source: ep('hub'), targets: [ep('t1'), ep('t2')], twoPhase: false }));
    expect(s.phases).toBe(1);
    expect(s.targets.map((t) => [t.vote, t.outcome])).toEqual([
      ['Ack', 'done'],
      ['Ack', 'done'],
    ]);
    for (const t of [ep('t1'), ep('t2')]) expect((await readAll(t)).map((r) => r.values.name)).toContain('One phase');
    const records = await loggedRuns(logger.url, { runName: `distribution ${runs}` });
    expect(records).toHaveLength(1);
    expect(records[0].votes.map((v) => v.outcome)).toEqual(['done', 'done']);
  });
});
