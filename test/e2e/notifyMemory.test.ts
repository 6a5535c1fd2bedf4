/**
 * `$syncNotify` listeners that read nothing cost the server no memory for the events they miss: a server
 * process (its own, on PGlite) whose digest holds 100 entries (peers an administrator's PUT of the digest
 * added) takes NOTIFY_CHANGES changes (default 300; 10,000 in `npm run test:soak`), every one its own
 * commit and its own event (coalescing off, and no commit lands while the digest of the one before is read),
 * while 20 listeners hold their streams open without reading, for at least SLOW_LISTENER_SECONDS (default 5;
 * 60 for the acceptance figure). Its resident memory may not grow by more than a few MB over what the same
 * changes cost it with no such listener (a first, equal round).
 *
 * Every commit being its own event, and each event a digest of 100 entries (about 30 kB), matters: 300
 * events are some 9 MB per listener, more than the sockets' kernel buffers absorb (a few MB), so a server
 * that queued every missed event would grow by some 90 MB here (seen: 92 MB over the control round when the
 * listener queued every event), against a few MB as it is; the bound, 16 MB, leaves room for the noise of
 * PGlite's memory.
 */
import { readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { APPS } from './support/fixtures';
import { databaseEnv, startServe, tempDir, writeYaml, type ServerProcess } from './support/processes';
import { NS } from '../../src/atom/namespaces';
import { batchCreate, digestOf, readAll, sleep } from './support/sdata';

const SLOW_SECONDS = Number(process.env.SLOW_LISTENER_SECONDS ?? 5);
const CHANGES = Number(process.env.NOTIFY_CHANGES ?? 300);
const WARM_UP = Math.ceil(CHANGES / 5);
const PEERS = 100;
// 2.2 x CHANGES single commits on PGlite: minutes on a busy machine; the bound only guards against a hang.
jest.setTimeout(300_000 + CHANGES * 100 + SLOW_SECONDS * 1000);

const rssKb = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

describe('[pglite] $syncNotify listeners that read nothing', () => {
  let server: ServerProcess;
  const dir = tempDir();
  let endpoint: string;

  beforeAll(async () => {
    const cfg = writeYaml(dir, 'crm.yaml', { log: { level: 'warn' }, sync: { notifyCoalesceMillis: 0 }, applications: [APPS.crm] });
    server = await startServe(cfg, await databaseEnv('pglite', dir, 'crm', { persistent: false }));
    endpoint = `${server.url}/sdata/crm/test/-/accounts`;
    // Peers in the digest (as an administrator sets them): every event carries them all.
    const d = await digestOf(endpoint);
    const peers = Array.from({ length: PEERS }, (_, i) => `<sync:digestEntry><sync:endpoint>http://peer-${i}.example.test/sdata/crm/test/-/accounts</sync:endpoint><sync:tick>${i + 2}</sync:tick><sync:stamp>2026-12-01T00:00:00Z</sync:stamp><sync:conflictPriority>5</sync:conflictPriority></sync:digestEntry>`);
    const body = `<entry xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}" xmlns:sync="${NS.sync}"><sdata:payload><sync:digest><sync:origin>${d.origin}</sync:origin>${peers.join('')}</sync:digest></sdata:payload></entry>`;
    const put = await fetch(`${endpoint}/$syncDigest`, { method: 'PUT', headers: { 'content-type': 'application/atom+xml;type=entry' }, body });
    expect(put.status).toBe(200);
    expect((await digestOf(endpoint)).entries.length).toBeGreaterThanOrEqual(PEERS);
  });

  afterAll(async () => {
    await server?.proc.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** `n` changes, each its own commit, one after the other, taking at least `seconds`. */
  async function changes(round: number, seconds: number, n = CHANGES): Promise<void> {
    const started = Date.now();
    for (let c = 0; c < n; c++) await batchCreate(endpoint, 'account', [{ key: '', values: { name: `r${round}c${c}`, email: `r${round}c${c}@example.test` } }]);
    const left = seconds * 1000 - (Date.now() - started);
    if (left > 0) await sleep(left);
  }

  it(`20 listeners that read nothing while ${CHANGES} changes happen grow its memory by a few MB at most`, async () => {
    await changes(0, 0, WARM_UP); // warms the server up
    const beforeControl = rssKb(server.proc.pid);
    await changes(1, 0); // the same work with no listener: what the changes themselves cost
    const controlKb = rssKb(server.proc.pid) - beforeControl;
    const before = rssKb(server.proc.pid);
    const u = new URL(`${endpoint}/$syncNotify`);
    const sockets: Socket[] = [];
    for (let i = 0; i < 20; i++) {
      const s = connect(Number(u.port), u.hostname);
      s.pause(); // never read
      s.write(`GET ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nAccept: text/event-stream\r\n\r\n`);
      sockets.push(s);
    }
    await sleep(500);
    await changes(2, SLOW_SECONDS);
    const grownKb = rssKb(server.proc.pid) - before;
    for (const s of sockets) s.destroy();
    expect((await readAll(endpoint)).length).toBe(WARM_UP + 2 * CHANGES);
    process.stdout.write(`server RSS grew ${grownKb} kB while 20 listeners read nothing; ${controlKb} kB for the same changes with none\n`);
    expect(grownKb - Math.max(0, controlKb)).toBeLessThan(16 * 1024);
  });
});
