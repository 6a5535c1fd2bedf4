/**
 * One failed entry traced across processes by its request id: the engine (a CLI pass) sends one X-Request-Id
 * with every request of the pass; its own log line names it, the target's request log names it on the
 * `$syncTarget` request that carried the entry, and the event logger stores it with the entry's event.
 */
import { databaseEnv, dropDatabases, runCli, startLoggerProcess, startServe, tempDir, writeYaml, type ServerProcess } from './support/processes';
import { APPS } from './support/fixtures';
import { batchCreate, loggedEvents } from './support/sdata';
import { rmSync } from 'node:fs';

jest.setTimeout(180_000);

afterAll(async () => {
  await dropDatabases();
});

type LogLine = Record<string, unknown> & { msg?: string };
const jsonLines = (text: string): LogLine[] =>
  text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);

describe('request ids', () => {
  const dir = tempDir();
  let crm: ServerProcess;
  let erp: ServerProcess;
  let logger: Awaited<ReturnType<typeof startLoggerProcess>>;

  beforeAll(async () => {
    // erp keeps balances as whole numbers: a crm balance with cents cannot be applied there.
    const erpApp = structuredClone(APPS.erp);
    (erpApp.kinds as { name: string; properties: Record<string, unknown> }[]).find((k) => k.name === 'accounts')!.properties.balance = { type: 'integer' };
    const config = (app: unknown, name: string) => writeYaml(dir, `${name}.yaml`, { sync: { answerWithinMillis: 200 }, applications: [app] });
    // One after the other (each new PGlite folder runs initdb), each kept as soon as it runs, to be stopped.
    crm = await startServe(config(APPS.crm, 'crm'), await databaseEnv('pglite', dir, 'crm'), undefined, 120_000);
    // The target logs its requests (debug level).
    erp = await startServe(config(erpApp, 'erp'), { ...(await databaseEnv('pglite', dir, 'erp')), LOG_LEVEL: 'debug' }, undefined, 120_000);
    logger = await startLoggerProcess(await databaseEnv('pglite', dir, 'logger'));
  });
  afterAll(async () => {
    await Promise.all([crm?.proc.stop(), erp?.proc.stop(), logger?.proc.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("a failed entry's request id is in the engine's log line, the target's log line and the logger's event", async () => {
    const source = `${crm.url}/sdata/crm/test/-/accounts`;
    const target = `${erp.url}/sdata/erp/test/-/accounts`;
    await batchCreate(source, 'account', [
      { key: '1', values: { name: 'Whole', balance: '300' } },
      { key: '2', values: { name: 'With cents', balance: '12.50' } },
    ]);
    const r = await runCli(['pass', '--source', source, '--target', target, '--log', logger.ingestUrl, '--run-name', 'traced'], { LOG_LEVEL: 'info' });
    expect(r.code).toBe(1); // an entry failed

    // The engine: one line for the pass, with its outcome, counts, duration and request id.
    const passLines = jsonLines(r.stderr).filter((l) => l.msg === 'pass ended');
    expect(passLines).toEqual([expect.objectContaining({ route: 'traced', outcome: 'done', created: 1, failures: 1, entries: 2, seconds: expect.any(Number), requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) })]);
    const requestId = passLines[0].requestId as string;

    // The target: the $syncTarget request that carried the failed entry, answered under that id.
    const targetLines = jsonLines(erp.proc.stderr()).filter((l) => l.msg === 'request answered' && (l.req as { url: string }).url.includes('$syncTarget'));
    expect(targetLines.length).toBeGreaterThan(0);
    expect(targetLines.map((l) => (l.req as { id: string }).id)).toEqual(targetLines.map(() => requestId));
    // Every request of the pass carried it, and no other request did.
    const all = jsonLines(erp.proc.stderr()).filter((l) => l.msg === 'request answered');
    expect(all.filter((l) => (l.req as { id: string }).id === requestId).length).toBe(all.length);

    // The logger: the failed entry's event, found by the id.
    const events = await loggedEvents(logger.url, { requestId, severity: 'Error' });
    expect(events.total).toBe(1);
    expect(events.events[0]).toMatchObject({ requestId, httpStatus: expect.any(String), uuid: expect.any(String) });
    expect((await loggedEvents(logger.url, { runName: 'traced', severity: 'Error' })).events.map((e) => e.requestId)).toEqual([requestId]);
  });
});
