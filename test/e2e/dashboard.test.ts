/// <reference lib="dom" />
/**
 * The logger's dashboard in a real browser (playwright-core driving Debian's Chromium at /usr/bin/chromium,
 * never a downloaded one): servers crm and erp, the event logger and the engine run as their own processes
 * (one topology for the whole file). The legs table, the digest matrix and the runs list (filtered by route
 * and state, empty runs folded) show what the logger holds and what the endpoints say, and the alerts panel
 * the alert that fired while the route was behind; the engine's route by name shows its state, lag and last
 * success in relative times, and Pause, Run now and Resume act on the engine; a conflict made by changing one
 * account at both ends appears with both versions, Keep is clicked, and after the next pass the kept version
 * is at both endpoints; a quarantined entry shows its payload. The page fits 1,280 px without horizontal
 * scrolling. Screenshots of each view, and of the page at 1,280 and 1,920 px, go to test-output/dashboard/
 * (PostgreSQL's run: test-output/dashboard/postgres/).
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { lagInTicks } from '../../src/protocol/lag';
import { canonicalUrl } from '../../src/protocol/endpointUrl';
import { entryOf } from '../../src/protocol/digest';
import { APPS, startTopology, type Topology } from './support/fixtures';
import { NS } from '../../src/atom/namespaces';
import { child, childText, parseXml } from '../../src/atom/xml';
import { dropDatabases, freePort, ROOT, spawnCli, tempDir, writeYaml, type CliProcess, type DatabaseKind } from './support/processes';
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

const ROUTE = 'crm-erp';

/** The engine with one scheduled route crm <-> erp (accounts) every 2 s, listening on `port`; resolves once it has started. */
async function startEngine(t: Topology, port: number): Promise<CliProcess> {
  const file = writeYaml(t.dir, 'engine.yaml', {
    log: { level: 'info' },
    engine: { http: { host: '127.0.0.1', port }, loggers: [t.logger.ingestUrl], routes: [{ name: ROUTE, source: t.crm.appUrl, target: t.erp.appUrl, kinds: ['accounts'], direction: 'bothWays', schedule: EVERY_2_SECONDS }] },
  });
  const proc = spawnCli(['engine', '--config', file], { LOG_LEVEL: 'info' });
  await waitUntil('the engine has started', async () => proc.stderr().includes('"engine started"'), 60_000).catch((err: Error) => {
    throw new Error(`${err.message}\n${proc.stderr().slice(-2000)}`);
  });
  return proc;
}

/** The text of every cell of a table body, row by row (an endpoint URL shown shortened: the whole one). */
async function tableText(page: Page, selector: string): Promise<string[][]> {
  return page.$$eval(`${selector} tbody tr`, (rows) => rows.map((r) => [...r.querySelectorAll('th, td')].map((c) => c.getAttribute('data-full') ?? c.textContent ?? '')));
}

/** The engine's route as its listener lists it. */
async function engineRoute(engineUrl: string): Promise<{ state: string; lastRun: { id: string; startedAt: string } | null }> {
  const res = await fetch(`${engineUrl}/routes`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { routes: { name: string; state: string; lastRun: { id: string; startedAt: string } | null }[] }).routes.find((r) => r.name === ROUTE)!;
}

const ZONE = 'America/Sao_Paulo';
/** A time as the browser in ZONE writes it (ICU's narrow spaces read as spaces). */
const inZone = (iso: string, what: 'time' | 'both'): string =>
  (what === 'time' ? new Date(iso).toLocaleTimeString('en-US', { timeZone: ZONE }) : new Date(iso).toLocaleString('en-US', { timeZone: ZONE })).replace(/\s/g, ' ');
const spaced = (s: string): string => s.replace(/\s/g, ' ');
/** The local time the page shows for a run: the time of day when it is today in ZONE, else the date too. */
const shownLocal = (iso: string): string => {
  const day = (d: Date) => d.toLocaleDateString('en-US', { timeZone: ZONE });
  return inZone(iso, day(new Date(iso)) === day(new Date()) ? 'time' : 'both');
};

/** A relative time as the page writes it ("just now", "12 s ago", "3 min ago"…). */
const RELATIVE = /^(just now|\d+ s ago|\d+ min ago|\d+ h ago)$/;

/** Every relative time under `selector`: its text, its ISO datetime and its title. */
async function timesIn(page: Page, selector: string): Promise<{ text: string; iso: string; title: string }[]> {
  return page.$$eval(`${selector} time`, (ts) => ts.map((t) => ({ text: t.textContent ?? '', iso: t.getAttribute('datetime') ?? '', title: t.getAttribute('title') ?? '' })));
}

/** The whole page at a width: it must not scroll sideways. */
async function wholePage(page: Page, width: number, name: string): Promise<void> {
  await page.setViewportSize({ width, height: 1000 });
  await page.waitForFunction(() => document.body.dataset.updatedAt !== undefined);
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth }));
  expect([width, scrollWidth <= clientWidth, scrollWidth, clientWidth]).toEqual([width, true, scrollWidth, clientWidth]);
  await page.screenshot({ path: join(shots, `${name}-${width}.png`), fullPage: true });
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
  let engineUrl: string;
  let enginePort: number;
  const profile = tempDir('sdata-sync-chromium-');

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (.ci/run does)`);
    shots = db === 'pglite' ? SHOTS_ROOT : join(SHOTS_ROOT, db);
    mkdirSync(shots, { recursive: true });
    // erp keeps balances as whole numbers: a crm balance with cents is quarantined there.
    const erpApp = structuredClone(APPS.erp);
    (erpApp.kinds as { name: string; properties: Record<string, unknown> }[]).find((k) => k.name === 'accounts')!.properties.balance = { type: 'integer' };
    enginePort = await freePort();
    engineUrl = `http://127.0.0.1:${enginePort}`;
    // An alert when the route is behind at all (its webhook answers nothing: the panel still shows it).
    const alerts = { webhookUrl: 'http://127.0.0.1:9/hook', webhookTimeoutMillis: 500, alerts: [{ name: 'behind', when: 'routeBehind', ticks: 0 }] };
    t = await startTopology(db, { observe: { intervalSeconds: 0.5 }, dashboardRefreshSeconds: 0.5, engines: [engineUrl], ...alerts }, erpApp, 120_000);
    crm = t.crm.endpoint('accounts');
    erp = t.erp.endpoint('accounts');
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 1000 },
      // The browser's zone is not the machine's (UTC): the page shows times in the browser's.
      locale: 'en-US',
      timezoneId: ZONE,
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
    engine = await startEngine(t, enginePort);
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
      ({ crm, erp }) => [...document.querySelectorAll('#legs tbody tr')].some((r) => r.getAttribute('data-source') === crm && r.getAttribute('data-target') === erp && r.children[4]?.textContent === '3'),
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
    const routes = await tableText(page, '#legs');
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
    await shot(page, 'legs');

    // The alerts panel: the route crm -> erp is behind, its alert is open (and among the recent ones).
    const firing = page.locator('#alerts .open li[data-alert=behind][data-state=firing]');
    await firing.first().waitFor({ timeout: 10_000 });
    expect(await firing.first().locator('.alert-route').getAttribute('title')).toBe(`${crm} → ${erp}`);
    expect(await page.locator('#alerts .recent li[data-alert=behind]').count()).toBeGreaterThan(0);
    expect(await firing.first().locator('time').textContent()).toMatch(RELATIVE);
    // The engine is stopped: its listener is not read, and the page says so.
    expect(await page.textContent('#engine-routes .engine-error')).toContain(`${canonicalUrl(engineUrl)} not read`);
    await shot(page, 'alerts');

    // The digest matrix: a row per endpoint, a cell per endpoint it knows, erp's cell for crm marked behind.
    const header = await page.$$eval('#matrix thead th', (ths) => ths.map((th) => th.getAttribute('data-full') ?? th.textContent));
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

    // The runs list, unfolded: the newest first, each row as the logger's run feed records it.
    await page.uncheck('#runs input[name=fold]');
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
    // Started times: in the browser's zone, then relative.
    const started = await timesIn(page, '#runs tbody');
    expect(started.length).toBeGreaterThan(0);
    for (const { text, iso, title } of started) {
      const [local, rel] = text.split(' · ');
      expect([spaced(local), spaced(title)]).toEqual([shownLocal(iso), `${inZone(iso, 'both')} (${iso})`]);
      expect(rel).toMatch(RELATIVE);
    }

    // Filtered by route and state: the route's done runs only.
    await page.selectOption('#runs select[name=runName]', ROUTE);
    await page.selectOption('#runs select[name=state]', 'done');
    const done = runs.filter((r) => r.runName === ROUTE && r.state === 'done');
    await page.waitForFunction((n) => document.querySelector('#runs .page-info')?.textContent === `1–${Math.min(n, 4)} of ${n}`, done.length);
    expect((await tableText(page, '#runs')).map((r) => [r[1], r[5]])).toEqual(done.slice(0, PER_PAGE).map(() => [ROUTE, 'done']));
    await page.selectOption('#runs select[name=state]', 'failed');
    await page.waitForFunction(() => document.querySelector('#runs .page-info')?.textContent === 'no runs');
    await page.selectOption('#runs select[name=state]', '');
    await page.selectOption('#runs select[name=runName]', '');
    await page.waitForFunction((n) => document.querySelector('#runs .page-info')?.textContent === `1–4 of ${n}`, runs.length);

    // Folded: consecutive empty runs of the route are one row saying how many; "show" opens them.
    await page.check('#runs input[name=fold]');
    const page1 = newest.slice(0, PER_PAGE);
    const expected: number[][] = [];
    for (const r of page1) {
      const group = expected.at(-1);
      const empty = (x: LoggedRun) => x.state === 'done' && x.entriesRead === 0;
      if (group && empty(r) && group.every((id) => empty(byId.get(id)!) && byId.get(id)!.runName === r.runName)) group.push(r.id);
      else expected.push([r.id]);
    }
    const rows = await page.$$eval('#runs tbody tr', (trs) => trs.map((tr) => (tr.getAttribute('data-run-ids') ?? tr.getAttribute('data-run-id') ?? '').split(' ').map(Number)));
    expect(rows).toEqual(expected);
    const folded = page.locator('#runs tr.folded').first();
    if (expected.some((g) => g.length > 1)) {
      expect(await folded.textContent()).toMatch(new RegExp(`^\\d+ empty runs of ${ROUTE}, `));
      await folded.locator('button').click();
      await page.waitForFunction(() => document.querySelectorAll('#runs tr.unfolded').length > 1);
    }
    await shot(page, 'runs');
    await shot(page, 'endpoints');
  });

  it('shows a conflict with both versions; Keep puts the parked version at both endpoints after the next pass', async () => {
    const atCrm = (await readAll(crm)).find((r) => r.key === '1')!;
    const atErp = (await readAll(erp)).find((r) => r.uuid === atCrm.uuid)!;
    await update(crm, atCrm.key, 'account', { name: 'Changed at crm' });
    await update(erp, atErp.key, 'account', { name: 'Changed at erp' });
    engine = await startEngine(t, enginePort);

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

    // The engine's route by name: its state, lag in ticks, and its last success in relative time.
    const card = page.locator(`#engine-routes .route[data-name="${ROUTE}"]`);
    await page.waitForFunction((name) => document.querySelector(`#engine-routes .route[data-name="${name}"] .success time`) !== null, ROUTE, { timeout: 20_000 });
    expect(await card.getAttribute('data-engine')).toBe(canonicalUrl(engineUrl));
    expect(await card.locator('.badge').textContent()).toMatch(/^(running|idle)$/);
    expect(await card.locator('dd.lag').textContent()).toMatch(/^(\d+ ticks?|unknown)$/);
    const [success] = await timesIn(page, `#engine-routes .route[data-name="${ROUTE}"] .success`);
    expect(success.text).toMatch(RELATIVE);
    expect(spaced(success.title)).toBe(`${inZone(success.iso, 'both')} (${success.iso})`);
    expect(await card.locator('svg.chart rect.bar').count()).toBeGreaterThan(0);
    await wholePage(page, 1280, 'page');
    await wholePage(page, 1920, 'page');
    await page.setViewportSize({ width: 1280, height: 1000 });

    // Pause: the schedule starts no run (the engine says paused once no run is going on); Run now starts one
    // all the same; Resume puts the route back on its schedule.
    await card.locator('button[data-action=pause]').click();
    await page.waitForFunction((name) => document.querySelector(`#engine-routes .route[data-name="${name}"]`)?.getAttribute('data-state') === 'paused', ROUTE, { timeout: 20_000 });
    expect((await engineRoute(engineUrl)).state).toBe('paused');
    const before = (await engineRoute(engineUrl)).lastRun!.id;
    await shot(page, 'engine-routes', 'routes-paused');
    await card.locator('button[data-action=run]').click();
    await waitUntil('Run now started a run of the paused route', async () => (await engineRoute(engineUrl)).lastRun?.id !== before, 20_000, 100);
    await card.locator('button[data-action=resume]').click();
    await page.waitForFunction((name) => ['idle', 'running'].includes(document.querySelector(`#engine-routes .route[data-name="${name}"]`)?.getAttribute('data-state') ?? ''), ROUTE, { timeout: 20_000 });
    await page.waitForFunction((name) => document.querySelector(`#engine-routes .route[data-name="${name}"] .outcome`)?.textContent === 'done', ROUTE);
    await shot(page, 'engine-routes', 'routes');

    const answered = page.waitForResponse((r) => r.url().endsWith('/dashboard/resolve'));
    await conflict.locator('button[data-action=keep]').click();
    expect((await answered).status()).toBe(200);
    await waitUntil('the kept version is at both endpoints', async () => {
      const [a, b] = await Promise.all([readAll(crm), readAll(erp)]);
      return a.find((r) => r.uuid === atCrm.uuid)?.values.name === 'Changed at erp' && b.find((r) => r.uuid === atCrm.uuid)?.values.name === 'Changed at erp';
    }, 30_000, 200);
    await page.waitForFunction(() => document.querySelectorAll('#conflicts .conflict').length === 0, undefined, { timeout: 10_000 });
    await shot(page, 'conflicts', 'conflicts-resolved');
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
    // Its payload as crm sent it.
    const payload = Object.fromEntries(await failure.locator('table.payload tr').evaluateAll((trs) => trs.map((tr) => [tr.querySelector('th')!.textContent, tr.querySelector('td')!.textContent])));
    expect(payload).toMatchObject({ name: 'With cents', balance: '1.50' });
    await shot(page, 'failures');

    const answered = page.waitForResponse((r) => r.url().endsWith('/dashboard/retry'));
    await failure.locator('button', { hasText: 'Retry' }).click();
    expect((await answered).status()).toBe(200);
    // Still not applicable under erp's configuration: it stays quarantined, one attempt more.
    expect(await attemptsAt(erp, id)).toBe(before + 1);
    await page.waitForFunction(({ id, n }) => document.querySelector(`.failure[data-failure-id="${id}"] p`)?.textContent?.startsWith(`${n} attempt`), { id, n: before + 1 });
    await shot(page, 'failures', 'failures-retried');
    await wholePage(page, 1280, 'page-quarantine');
  });
});
