/**
 * End to end, real processes on loopback: a target stopped (killed) between prepare and commit of a
 * two-phase distribution finds its batch aborted when it starts again, nothing of it applied, and catches
 * up with a later ordinary pass.
 */
import { SDataClient } from '../../src/engine/sdataClient';
import { runDistribution } from '../../src/engine/distribute';
import { runPass } from '../../src/engine/pass';
import { dropDatabases, type DatabaseKind } from './support/processes';
import { startTopology, type Topology } from './support/fixtures';
import { batchCreate, readAll, valuesByUuid } from './support/sdata';

jest.setTimeout(180_000);

const databases: DatabaseKind[] = process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
const fast = { attempts: 2, startingDelayMillis: 1, maxDelayMillis: 5 };

afterAll(async () => {
  await dropDatabases();
});

describe.each(databases)('[%s] two-phase distribution between real processes', (db) => {
  let t: Topology;
  beforeAll(async () => {
    t = await startTopology(db);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('a target stopped between prepare and commit finds its batch aborted at restart and catches up with a later pass', async () => {
    const source = t.crm.endpoint('accounts');
    const target = t.erp.endpoint('accounts');
    await batchCreate(source, 'account', Array.from({ length: 5 }, (_, i) => ({ key: `${i + 1}`, values: { name: `Account ${i + 1}` } })));
    const client = new SDataClient({ run: { runName: 'two-phase restart', runStamp: new Date().toISOString() }, retry: fast });
    let preparedAt = 0;
    const s = await runDistribution({
      source,
      targets: [target],
      client,
      twoPhase: true,
      // Time for the vote on a busy machine (a vote after it is Late); the batch's own timeout is twice this.
      timeoutSeconds: 3,
      onPrepared: async () => {
        preparedAt = Date.now();
        await t.erp.server.proc.stop('SIGKILL');
      },
    });
    expect(s.targets[0]).toMatchObject({ vote: 'Ack', outcome: 'commitFailed' });
    // The batch's timeout (twice the engine's) passes while the target is down.
    await new Promise((r) => setTimeout(r, Math.max(0, preparedAt + 6500 - Date.now())));
    await t.erp.restart();
    expect(await readAll(target)).toEqual([]);
    // At restart the batch is aborted: the resources it held take a change at once (no PreparedBatch 409).
    const held = (await readAll(source))[0];
    const local = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/atom+xml;type=entry' },
      body: `<entry xmlns="http://www.w3.org/2005/Atom" xmlns:sdata="http://schemas.sage.com/sdata/2008/1"><sdata:payload><account xmlns="urn:sdata-sync:demo" sdata:uuid="${held.uuid}"><name>Local</name></account></sdata:payload></entry>`,
    });
    expect(local.status).toBe(201);
    const commit = await fetch(`${target}/$syncTarget('${s.targets[0].batch}')/$commit`, { method: 'POST' });
    expect(commit.status).toBe(409);
    expect(await commit.text()).toContain('<sdata:applicationCode>Aborted</sdata:applicationCode>');
    const pass = await runPass({ source, target, client: new SDataClient({ run: { runName: 'catch up', runStamp: new Date().toISOString() }, retry: fast }) });
    expect(pass).toMatchObject({ state: 'done', created: 4, conflicts: 1 });
    expect(Object.fromEntries(await valuesByUuid(target))).toEqual(Object.fromEntries(await valuesByUuid(source)));
  });
});
