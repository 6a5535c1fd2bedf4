/**
 * Schemas that change (PROTOCOL.md 2.7), over a real endpoint server and event logger in this process, on
 * PGlite and PostgreSQL: a property only one application declares survives sync both ways; adding an optional
 * property and a kind to the running configuration needs no migration and no full resync; the engine warns
 * while the two ends of a route declare a kind differently.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { parseConfig } from '../../src/config/load';
import { demoConfig } from '../../src/config/demo';
import type { Config } from '../../src/config/schema';
import { startServer, type RunningServer } from '../../src/endpoint/server';
import { SDataClient } from '../../src/engine/sdataClient';
import { runPass, type PassOptions } from '../../src/engine/pass';
import { startLogger, type RunningLogger } from '../../src/logger/service';
import type { Db } from '../../src/store/db';
import { describeEachDatabase } from '../support/databases';
import { freePort } from '../e2e/support/processes';
import { create, loggedEvents, readAll, update, valuesByUuid } from '../e2e/support/sdata';

const fast = { attempts: 2, startingDelayMillis: 1, maxDelayMillis: 5 };

type Kinds = { name: string; properties: Record<string, unknown> }[];

/** The demo with `vatNumber` on crm's accounts, and on erp's too once it has learnt it; `notes` as asked. */
function configOf(port: number, o: { erpVat: boolean; notes: boolean }): Config {
  const [crm, erp] = structuredClone(demoConfig.applications!) as { kinds: Kinds }[];
  crm.kinds[0].properties.vatNumber = { type: 'string' };
  if (o.erpVat) erp.kinds[0].properties.vatNumber = { type: 'string' };
  if (o.notes) for (const app of [crm, erp]) app.kinds.push({ name: 'notes', element: 'note', syncOrder: 3, properties: { text: { type: 'string' } } } as never);
  return parseConfig({ ...demoConfig, server: { port }, log: { level: 'silent' }, applications: [crm, erp] as never }, {});
}

/** A pino logger whose lines the test reads. */
function capturedLog() {
  const lines: { level: number; msg: string; kind?: string }[] = [];
  const stream = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(JSON.parse(chunk.toString())), done()) });
  return { log: pino({ level: 'info' }, stream), lines };
}

describeEachDatabase('schemas that change', (tdb) => {
  let db: Db;
  let port: number;
  let server: RunningServer;
  let logger: RunningLogger;
  let crm: string;
  let erp: string;
  let runs = 0;
  const captured = capturedLog();
  const schemaWarnings = () => captured.lines.filter((l) => l.msg === 'the two ends of the route declare the kind differently');

  const pass = (source: string, target: string, over: Partial<PassOptions> = {}) =>
    runPass({ source, target, client: new SDataClient({ run: { runName: `schema run ${++runs}`, runStamp: new Date().toISOString() }, retry: fast }), loggers: [logger.ingestUrl], log: captured.log, ...over });

  const start = async (cfg: Config) => {
    server = await startServer(cfg, { db });
    crm = `${server.url}/sdata/crm/test/-`;
    erp = `${server.url}/sdata/erp/test/-`;
  };
  const byName = async (endpoint: string) => Object.fromEntries((await readAll(endpoint)).map((r) => [r.values.name, r]));

  beforeAll(async () => {
    db = await tdb.open();
    port = await freePort();
    const cfg = configOf(port, { erpVat: false, notes: false });
    await start(cfg);
    logger = await startLogger(cfg, { db, port: 0 });
  });

  afterAll(async () => {
    await logger?.close();
    await server?.close();
  });

  it('a target that does not know a property applies the entry without it, counts a warning, and the engine warns that the ends differ', async () => {
    await create(`${crm}/accounts`, 'account', { name: 'Acme', vatNumber: 'BE1' }, '1');
    await create(`${crm}/accounts`, 'account', { name: 'Beta' }, '2');
    const s = await pass(crm, erp, { kinds: ['accounts'] });
    expect(s).toMatchObject({ state: 'done', created: 2, warnings: 1, failures: 0 });
    const atErp = await byName(`${erp}/accounts`);
    expect(atErp.Acme.values).toEqual({ name: 'Acme' });
    expect(schemaWarnings()).toEqual([expect.objectContaining({ level: 40, kind: 'accounts' })]);
    const events = (await loggedEvents(logger.url, { runName: `schema run ${runs}` })).events.map((e) => [e.severity, e.applicationCode]);
    expect(events).toEqual(expect.arrayContaining([['Warning', 'SchemaVersionsDiffer'], ['Warning', 'IgnoredProperty']]));
  });

  it("a source that does not know the property updates the resource without erasing it at the target", async () => {
    const acme = (await byName(`${erp}/accounts`)).Acme;
    await update(`${erp}/accounts`, acme.key, 'account', { name: 'Acme NV', email: 'acme@x.test' });
    // Endpoint URLs this time: the engine reads each end's {ep}/$schema to compare them.
    const s = await pass(`${erp}/accounts`, `${crm}/accounts`);
    expect(s).toMatchObject({ state: 'done', updated: 1, warnings: 0, failures: 0 });
    expect((await byName(`${crm}/accounts`))['Acme NV'].values).toMatchObject({ name: 'Acme NV', email: 'acme@x.test', vatNumber: 'BE1' });
    expect(schemaWarnings()).toHaveLength(2);
  });

  it('an optional property and a kind added to the running configuration need no migration and no full resync', async () => {
    await server.close();
    await start(configOf(port, { erpVat: true, notes: true }));
    const warned = schemaWarnings().length;
    // Nothing moves again: the digests are where the passes left them.
    const quiet = await pass(crm, erp);
    expect(quiet.kinds.map((k) => [k.kind, k.entries])).toEqual([
      ['accounts', 0],
      ['contacts', 0],
      ['notes', 0],
    ]);
    expect(schemaWarnings()).toHaveLength(warned);
    // The new kind syncs; the new property travels with the next change of a resource.
    await create(`${crm}/notes`, 'note', { text: 'hello' }, '1');
    const atCrm = await byName(`${crm}/accounts`);
    await update(`${crm}/accounts`, atCrm.Beta.key, 'account', { name: 'Beta', vatNumber: 'BE2' });
    // A full update that leaves a property it knows out clears it (nil), at the target too.
    await update(`${crm}/accounts`, atCrm['Acme NV'].key, 'account', { name: 'Acme NV', vatNumber: 'BE1' });
    const s = await pass(crm, erp);
    expect(s).toMatchObject({ state: 'done', entries: 3, created: 1, updated: 2, warnings: 0, failures: 0 });
    const atErp = await byName(`${erp}/accounts`);
    expect(atErp.Beta.values).toMatchObject({ vatNumber: 'BE2' });
    expect(atErp['Acme NV'].values).toMatchObject({ email: '', vatNumber: 'BE1' });
    expect([...(await valuesByUuid(`${erp}/notes`)).values()]).toEqual([{ text: 'hello' }]);
    expect(schemaWarnings()).toHaveLength(warned);
  });
});
