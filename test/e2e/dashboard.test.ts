/// <reference lib="dom" />
/**
 * The logger's dashboard in a real browser (playwright-core driving Debian's Chromium at /usr/bin/chromium,
 * never a downloaded one): servers crm and erp, the event logger and the engine run as their own processes.
 * The routes table, the digest matrix and the runs list show what the logger holds and what the endpoints
 * say; a conflict made by changing one account at both ends appears with both versions, Keep is clicked, and
 * after the next pass the kept version is at both endpoints. Screenshots of each view go to
 * test-output/dashboard/ (PostgreSQL's run: test-output/dashboard/postgres/).
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { lagInTicks } from '../../src/protocol/lag';
import { entryOf } from '../../src/protocol/digest';
import { APPS, startTopology, type Topology } from './support/fixtures';
import { NS } from '../../src/atom/namespaces';
import { child, childText, parseXml } from '../../src/atom/xml';
import { dropDatabases, ROOT, spawnCli, tempDir, writeYaml, type CliProcess, type DatabaseKind } from './support/processes';
import { batchCreate, create, digestOf, loggedRuns, readAll, update, waitUntil, type LoggedRun } from './support/sdata';

/** The attempts of a quarantined entry, as the endpoint says. */
async function attemptsAt(endpoint: string, id: string): Promise<number> {
  const res = await fetch(`${endpoint}/$failures('${id}')`);
  expect(res.status).toBe(200);
  return Number(childText(child(parseXml(await res.text()), NS.x, 'failure'), NS.x, 'attempts'));
}

jest.setTimeout(240_000);

const CHROMIUM = '/usr/bin/chromium';
const SHOTS_ROOT = join(ROOT, 'test-output', 'dashboard');
const EVERY_2_SECONDS = '*/2 * * * * *';
/** Runs per page of the dashboard in this test (?runs=), so that paging is always exercised. */
const PER_PAGE = 4;

/** The engine with one scheduled route crm <-> erp (accounts) every 2 s; resolves once it has started. */
async function startEngine(t: Topology): Promise<CliProcess> {
  const file = writeYaml(t.dir, 'engine.yaml', {
    log: { level: 'info' },
    engine: { loggers: [t.logger.ingestUrl], routes: [{ name: 'crm-erp', source: t.crm.appUrl, target: t.erp.appUrl, kinds: ['accounts'], direction: 'bothWays', schedule: EVERY_2_SECONDS }] },
  });
  const proc = spawnCli(['engine', '--config', file], { LOG_LEVEL: 'info' });
  await waitUntil('the engine has started', async () => proc.stderr().includes('"engine started"'), 60_000).catch((err: Error) => {
    throw new Error(`${err.message}\n${proc.stderr().slice(-2000)}`);
  });
  return proc;
}

/** The text of every cell of a table body, row by row. */
async function tableText(page: Page, selector: string): Promise<string[][]> {
  return page.$$eval(`${selector} tbody tr`, (rows) => rows.map((r) => [...r.querySelectorAll('th, td')].map((c) => c.textContent ?? '')));
}

/** Screenshots of one run of the test: test-output/dashboard/ (PGlite) or test-output/dashboard/postgres/. */
let shots = SHOTS_ROOT;

async function shot(page: Page, view: string, name = view): Promise<void> {
  await page.locator(`#${view}`).screenshot({ path: join(shots, `${name}.png`) });
}

/**
 * The databases the dashboard runs on: PGlite by default; DASHBOARD_DATABASES=pglite,postgres (as
 * `npm run test:soak` sets it, with DATABASE_URL) adds PostgreSQL, where the browser sees the same pages.
 */
const wanted = (process.env.DASHBOARD_DATABASES ?? 'pglite').split(',').filter(Boolean) as DatabaseKind[];
const databases: DatabaseKind[] = wanted.filter((d) => d === 'pglite' || process.env.DATABASE_URL);

afterAll(async () => {
  await dropDatabases();
});

if (!databases.includes('postgres')) {
  describe.skip(`[postgres] the dashboard in Chromium (skipped: ${process.env.DATABASE_URL ? 'DASHBOARD_DATABASES does not name postgres' : 'DATABASE_URL is not set'})`, () => {
    it('runs with DASHBOARD_DATABASES=pglite,postgres and DATABASE_URL (npm run test:soak)', () => {});
  });
}

describe.each(databases)('[%s] the dashboard in Chromium', (db) => {
  let t: Topology;
  let engine: CliProcess | undefined;
  let context: BrowserContext;
  let page: Page;
  let crm: string;
  let erp: string;
  const profile = tempDir('sdata-sync-chromium-');

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (.ci/run does)`);
    shots = db === 'pglite' ? SHOTS_ROOT : join(SHOTS_ROOT, db);
    mkdirSync(shots, { recursive: true });
    // erp keeps balances as whole numbers: a crm balance with cents is quarantined there.
    const erpApp = structuredClone(APPS.erp);
    (erpApp.kinds as { name: string; properties: Record<string, unknown> }[]).find((k) => k.name === 'accounts')!.properties.balance = { type: 'integer' };
    t = await startTopology(db, { observe: { intervalSeconds: 0.5 }, dashboardRefreshSeconds: 0.5 }, erpApp, 120_000);
    crm = t.crm.endpoint('accounts');
    erp = t.erp.endpoint('accounts');
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1600, height: 1000 },
    });
    page = await context.newPage();
  });

  afterAll(async () => {
    await context?.close();
    await engine?.stop();
    await t?.stop();
    rmSync(profile, { recursive: true, force: true });
  });

  it('shows the routes, the digest matrix and the runs the logger holds, and a route behind while the engine is stopped', async () => {
    await batchCreate(crm, 'account', Array.from({ length: 5 }, (_, i) => ({ key: `${i + 1}`, values: { name: `Account ${i + 1}` } })));
    engine = await startEngine(t);
    await waitUntil('erp has the 5 accounts', async () => (await readAll(erp)).length === 5, 60_000, 200);
    await waitUntil('both directions have a done run, and there are runs for two pages of 4', async () => {
      const runs = await loggedRuns(t.logger.url);
      return runs.length >= 6 && [crm, erp].every((source) => runs.some((r) => r.source === source && r.state === 'done'));
    }, 60_000, 200);
    await engine.stop();
    engine = undefined;
    // Changes the stopped engine does not carry: the route crm -> erp is 3 ticks behind.
    await batchCreate(crm, 'account', Array.from({ length: 3 }, (_, i) => ({ key: `${i + 6}`, values: { name: `Late ${i + 6}` } })));
    const [dCrm, dErp] = await Promise.all([digestOf(crm), digestOf(erp)]);
    // Digests name endpoints by their own URLs (http://localhost:PORT/...), the engine reaches them at 127.0.0.1.
    const [idCrm, idErp] = [dCrm.origin!, dErp.origin!];
    expect(lagInTicks(idCrm, dCrm, dErp)).toBe(3);

    await page.goto(`${t.logger.url}/dashboard?runs=${PER_PAGE}`);
    // The page updates itself (no reload): the lag appears once the logger has read the new digests.
    await page.waitForFunction(
      ({ crm, erp }) => [...document.querySelectorAll('#routes tbody tr')].some((r) => r.getAttribute('data-source') === crm && r.getAttribute('data-target') === erp && r.children[4]?.textContent === '3'),
      { crm, erp },
      { timeout: 20_000 },
    );
    // A mark on this document survives the updates: they redraw in place, the page is never reloaded.
    await page.evaluate(() => ((window as unknown as { unreloaded: boolean }).unreloaded = true));
    const loaded = await page.evaluate(() => document.body.dataset.updatedAt);
    await page.waitForFunction((before) => document.body.dataset.updatedAt !== before, loaded, { timeout: 10_000 });
    expect(await page.evaluate(() => (window as unknown as { unreloaded?: boolean }).unreloaded)).toBe(true);

    const runs = await loggedRuns(t.logger.url);
    const byId = new Map<number, LoggedRun>(runs.map((r) => [r.id, r]));
    const routes = await tableText(page, '#routes');
    expect(routes.map((r) => [r[0], r[1], r[2]]).sort()).toEqual(
      [
        [crm, erp, 'accounts'],
        [erp, crm, 'accounts'],
      ].sort(),
    );
    for (const [source, target, kind, state, lag, , lastRun, created, updated, deleted, conflicts, failed] of routes) {
      const latest = runs.filter((r) => r.source === source && r.target === target && r.kind === kind).sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.id - a.id)[0];
      expect(lastRun).toBe(`${latest.runName} #${latest.id}`);
      expect([state, created, updated, deleted, conflicts, failed]).toEqual([latest.state, latest.created, latest.updated, latest.deleted, latest.conflicts, latest.failed].map(String));
      const [ds, dt] = source === crm ? [dCrm, dErp] : [dErp, dCrm];
      expect(lag).toBe(String(lagInTicks(ds.origin!, ds, dt)));
    }
    await shot(page, 'routes');

    // The digest matrix: a row per endpoint, a cell per endpoint it knows, erp's cell for crm marked behind.
    const header = await page.$$eval('#matrix thead th', (ths) => ths.map((th) => th.textContent));
    const columns = header.slice(1) as string[];
    expect(columns).toEqual(expect.arrayContaining([idCrm, idErp]));
    const matrix = await tableText(page, '#matrix');
    expect(matrix.map((r) => r[0]).sort()).toEqual([idCrm, idErp].sort());
    for (const row of matrix) {
      const digest = row[0] === idCrm ? dCrm : dErp;
      columns.forEach((col, i) => expect([row[0], col, row[i + 1]]).toEqual([row[0], col, String(entryOf(digest, col)?.tick ?? '–')]));
    }
    const behind = await page.$$eval('#matrix td.behind', (tds) => tds.map((td) => [td.closest('tr')!.getAttribute('data-endpoint'), td.getAttribute('data-column'), td.textContent]));
    expect(behind).toEqual([[idErp, idCrm, String(entryOf(dErp, idCrm)!.tick)]]);
    await shot(page, 'matrix');

    // The runs list: the newest first, each row as the logger's run feed records it.
    const listed = await tableText(page, '#runs');
    const newest = [...runs].sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.id - a.id);
    expect(listed.map((r) => Number(r[0]))).toEqual(newest.slice(0, PER_PAGE).map((r) => r.id));
    for (const [id, runName, kind, source, target, state, , read, created, updated, deleted, conflicts, failed] of listed) {
      const r = byId.get(Number(id))!;
      expect([runName, kind, source, target, state, read, created, updated, deleted, conflicts, failed]).toEqual(
        [r.runName, r.kind, r.source, r.target, r.state, r.entriesRead, r.created, r.updated, r.deleted, r.conflicts, r.failed].map(String),
      );
    }
    expect(await page.textContent('#runs .page-info')).toBe(`1–${PER_PAGE} of ${runs.length}`);
    await page.click('#runs [data-page=older]');
    await page.waitForFunction((n) => document.querySelector('#runs .page-info')?.textContent?.startsWith(`${n + 1}–`), PER_PAGE);
    expect((await tableText(page, '#runs')).map((r) => Number(r[0]))).toEqual(newest.slice(PER_PAGE, 2 * PER_PAGE).map((r) => r.id));
    await shot(page, 'runs', 'runs-page-2');
    await page.click('#runs [data-page=newer]');
    await page.waitForFunction(() => document.querySelector('#runs .page-info')?.textContent?.startsWith('1–'));
    await shot(page, 'runs');
    await shot(page, 'endpoints');
  });

  it('shows a conflict with both versions; Keep puts the parked version at both endpoints after the next pass', async () => {
    const atCrm = (await readAll(crm)).find((r) => r.key === '1')!;
    const atErp = (await readAll(erp)).find((r) => r.uuid === atCrm.uuid)!;
    await update(crm, atCrm.key, 'account', { name: 'Changed at crm' });
    await update(erp, atErp.key, 'account', { name: 'Changed at erp' });
    engine = await startEngine(t);

    const conflict = page.locator(`.conflict[data-uuid="${atCrm.uuid}"]`);
    await conflict.waitFor({ timeout: 30_000 }).catch(async (err: Error) => {
      throw new Error(`${err.message}\nendpoints: ${await page.textContent('#endpoints')}\nconflicts: ${await page.textContent('#conflicts')}`);
    });
    const winner = await conflict.locator('.winner td.value').first().textContent();
    const parked = await conflict.locator('.loser td.value').first().textContent();
    // crm has the better conflict priority: its version won at erp, erp's own is parked there.
    expect([winner, parked]).toEqual(['Changed at crm', 'Changed at erp']);
    expect(await conflict.getAttribute('data-endpoint')).toBe(erp);
    await shot(page, 'conflicts');

    const answered = page.waitForResponse((r) => r.url().endsWith('/dashboard/resolve'));
    await conflict.locator('button[data-action=keep]').click();
    expect((await answered).status()).toBe(200);
    await waitUntil('the kept version is at both endpoints', async () => {
      const [a, b] = await Promise.all([readAll(crm), readAll(erp)]);
      return a.find((r) => r.uuid === atCrm.uuid)?.values.name === 'Changed at erp' && b.find((r) => r.uuid === atCrm.uuid)?.values.name === 'Changed at erp';
    }, 30_000, 200);
    await page.waitForFunction(() => document.querySelectorAll('#conflicts .conflict').length === 0, undefined, { timeout: 10_000 });
    await shot(page, 'conflicts', 'conflicts-resolved');
    await page.screenshot({ path: join(shots, 'page.png'), fullPage: true });
  });

  it('lists an entry quarantined at erp with its diagnosis; Retry applies it again there', async () => {
    await create(crm, 'account', { name: 'With cents', balance: '1.50' });
    const failure = page.locator(`.failure[data-endpoint="${erp}"]`);
    await failure.waitFor({ timeout: 30_000 });
    await engine!.stop();
    engine = undefined;
    expect(await failure.locator('li').first().textContent()).toMatch(/^Error /);
    const id = (await failure.getAttribute('data-failure-id'))!;
    const before = await attemptsAt(erp, id);
    await page.waitForFunction(({ id, n }) => document.querySelector(`.failure[data-failure-id="${id}"] p`)?.textContent?.startsWith(`${n} attempt`), { id, n: before });
    await shot(page, 'failures');

    const answered = page.waitForResponse((r) => r.url().endsWith('/dashboard/retry'));
    await failure.locator('button', { hasText: 'Retry' }).click();
    expect((await answered).status()).toBe(200);
    // Still not applicable under erp's configuration: it stays quarantined, one attempt more.
    expect(await attemptsAt(erp, id)).toBe(before + 1);
    await page.waitForFunction(({ id, n }) => document.querySelector(`.failure[data-failure-id="${id}"] p`)?.textContent?.startsWith(`${n} attempt`), { id, n: before + 1 });
    await shot(page, 'failures', 'failures-retried');
  });
});
