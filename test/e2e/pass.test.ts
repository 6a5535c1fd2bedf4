/**
 * End to end, real processes on loopback: endpoint servers crm and erp, the event logger, and passes run
 * through the CLI. A pass converges; a target killed in the middle of a pass and restarted converges on the
 * next pass with no duplicate and no lost change; failing entries reach the logger and its webhook.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { runCli, spawnCli, dropDatabases, writeYaml, type DatabaseKind } from './support/processes';
import { APPS, startTopology, type Topology } from './support/fixtures';
import { batchCreate, create, loggedEvents, loggedRuns, readAll, remove, update, valuesByUuid, waitUntil } from './support/sdata';

jest.setTimeout(180_000);

const databases: DatabaseKind[] = process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

afterAll(async () => {
  await dropDatabases();
});

const account = (i: number, v = 1) => ({ name: `Account ${i} v${v}`, email: `a${i}@example.test`, balance: `${i}.${v}0`, active: String(i % 2 === 0), openedOn: '2024-05-17' });

async function passCli(t: Topology, args: string[]): Promise<{ code: number | null; summary: Record<string, number | string> & { error?: string }; stderr: string }> {
  const r = await runCli(['pass', '--log', t.logger.ingestUrl, '--json', ...args]);
  const line = r.stdout.trim().split('\n').pop() ?? '{}';
  let summary = {};
  try {
    summary = JSON.parse(line);
  } catch {
    throw new Error(`pass printed no JSON summary (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
  return { code: r.code, summary: summary as never, stderr: r.stderr };
}

async function expectSameData(a: string, b: string): Promise<void> {
  const [left, right] = await Promise.all([valuesByUuid(a), valuesByUuid(b)]);
  expect(right.size).toBe(left.size);
  expect(Object.fromEntries(right)).toEqual(Object.fromEntries(left));
}

describe.each(databases)('[%s] passes between real processes', (db) => {
  let t: Topology;
  beforeAll(async () => {
    t = await startTopology(db);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('a pass crm -> erp over every kind converges, and the next one moves nothing', async () => {
    const accounts = t.crm.endpoint('accounts');
    await batchCreate(accounts, 'account', Array.from({ length: 40 }, (_, i) => ({ key: `${i + 1}`, values: account(i + 1) })));
    const uuids = (await readAll(accounts)).map((r) => r.uuid);
    for (let i = 0; i < 10; i++) await create(t.crm.endpoint('contacts'), 'contact', { firstName: `F${i}`, lastName: `L${i}`, account: { ref: uuids[i] } }, `${i + 1}`);
    await update(accounts, '3', 'account', account(3, 2));
    await remove(accounts, '4');

    const first = await passCli(t, ['--source', t.crm.appUrl, '--target', t.erp.appUrl, '--run-name', 'converge', '--page-size', '7']);
    expect(first.code).toBe(0);
    expect(first.summary).toMatchObject({ state: 'done', failures: 0 });
    expect(Number(first.summary.created)).toBe(49); // 39 live accounts + 10 contacts (the deleted account never existed at erp)
    await expectSameData(accounts, t.erp.endpoint('accounts'));
    await expectSameData(t.crm.endpoint('contacts'), t.erp.endpoint('contacts'));

    const again = await passCli(t, ['--source', t.crm.appUrl, '--target', t.erp.appUrl, '--run-name', 'converge-again']);
    expect(again.code).toBe(0);
    expect(again.summary.entries).toBe(0);

    const runs = await loggedRuns(t.logger.url, { runName: 'converge' });
    expect(runs.map((r) => [r.kind, r.state]).sort()).toEqual([
      ['accounts', 'done'],
      ['contacts', 'done'],
    ]);
    expect(runs.find((r) => r.kind === 'accounts')!.pages).toBe(6); // 40 entries (a tombstone included) in pages of 7
  });

  it('a target killed in the middle of a pass, restarted, converges on the next pass: no duplicate, no lost change', async () => {
    const accounts = t.crm.endpoint('accounts');
    const target = t.erp.endpoint('accounts');
    await batchCreate(accounts, 'account', Array.from({ length: 1500 }, (_, i) => ({ key: `K${i + 1}`, values: account(1000 + i) })));
    const cfg = writeYaml(t.dir, 'short-retry.yaml', { engine: { retry: { attempts: 2, startingDelayMillis: 50, maxDelayMillis: 100 } } });
    const pass = spawnCli(['pass', '--source', accounts, '--target', target, '--log', t.logger.ingestUrl, '--page-size', '5', '--run-name', 'killed', '--config', cfg, '--json']);
    await waitUntil('a few pages are applied', async () => (await loggedRuns(t.logger.url, { runName: 'killed' }))[0]?.pages >= 5, 60_000, 20);
    await t.erp.server.proc.stop('SIGKILL');
    const cut = await pass.exited;
    expect(cut.code).toBe(1);
    expect(pass.stdout()).toMatch(/failed: /);

    // Changes at the source while the target is down.
    await update(accounts, 'K1', 'account', account(1000, 9));
    await update(accounts, 'K1500', 'account', account(2499, 9));
    await remove(accounts, 'K2');
    await remove(accounts, 'K1499');
    await create(accounts, 'account', account(5000), 'late');

    await t.erp.restart();
    const resumed = await passCli(t, ['--source', accounts, '--target', target, '--run-name', 'resumed', '--page-size', '200']);
    expect(resumed.code).toBe(0);
    expect(resumed.summary.failures).toBe(0);
    await expectSameData(accounts, target);
    const atTarget = await readAll(target);
    expect(new Set(atTarget.map((r) => r.uuid)).size).toBe(atTarget.length);

    const killedRun = (await loggedRuns(t.logger.url, { runName: 'killed' }))[0];
    expect(killedRun.state).toBe('failed');
    const failure = await loggedEvents(t.logger.url, { runName: 'killed', severity: 'Error' });
    expect(failure.events.some((e) => e.applicationCode === 'PassFailed')).toBe(true);
  });
});

describe('failing entries reach the event logger and its webhook', () => {
  let t: Topology;
  let hook: Server;
  const calls: { run: { runName: string }; events: { severity: string; uuid?: string; applicationCode?: string }[] }[] = [];

  beforeAll(async () => {
    const app = express();
    app.post('/hook', express.json(), (req, res) => {
      calls.push(req.body);
      res.status(204).end();
    });
    await new Promise<void>((resolve) => {
      hook = app.listen(0, '127.0.0.1', () => resolve());
    });
    // erp keeps balances as whole numbers: a crm balance with cents cannot be applied there.
    const erp = structuredClone(APPS.erp);
    (erp.kinds as { name: string; properties: Record<string, unknown> }[]).find((k) => k.name === 'accounts')!.properties.balance = { type: 'integer' };
    t = await startTopology('pglite', { webhookUrl: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook` }, erp);
  });
  afterAll(async () => {
    await t?.stop();
    await new Promise((resolve) => hook?.close(resolve));
  });

  it('entries the target cannot apply fail alone; the logger stores each with its diagnosis and calls the webhook', async () => {
    await batchCreate(t.crm.endpoint('accounts'), 'account', [
      { key: '1', values: account(1) },
      { key: '2', values: account(2) },
      { key: '3', values: { ...account(3), balance: '300' } },
    ]);
    const r = await passCli(t, ['--source', t.crm.endpoint('accounts'), '--target', t.erp.endpoint('accounts'), '--run-name', 'unfit']);
    expect(r.code).toBe(1);
    expect(r.summary).toMatchObject({ failures: 2, created: 1 });

    const errors = await loggedEvents(t.logger.url, { runName: 'unfit', severity: 'Error,Fatal' });
    expect(errors.total).toBe(2);
    expect(errors.events.every((e) => e.httpStatus !== undefined && e.uuid)).toBe(true);
    expect((await loggedEvents(t.logger.url, { endpoint: t.erp.appUrl, severity: 'Error' })).total).toBe(2);
    expect((await loggedEvents(t.logger.url, { endpoint: t.erp.endpoint('accounts'), severity: 'Error' })).total).toBe(2);
    expect((await loggedEvents(t.logger.url, { endpoint: t.erp.endpoint('contacts'), severity: 'Error' })).total).toBe(0);
    expect((await loggedEvents(t.logger.url, { runName: 'unfit', severity: 'Info' })).total).toBe(0);
    const run = (await loggedRuns(t.logger.url, { runName: 'unfit' }))[0];
    expect(run).toMatchObject({ state: 'done', entriesRead: 3, failed: 2 });

    await waitUntil('the webhook is called', async () => calls.length > 0, 10_000);
    expect(calls[0].run.runName).toBe('unfit');
    expect(calls.flatMap((c) => c.events).filter((e) => e.severity === 'Error')).toHaveLength(2);
  });
});
