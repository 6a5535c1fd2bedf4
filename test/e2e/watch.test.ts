/**
 * Watch routes end to end (PROTOCOL.md 7, one-phase pull): three servers (crm, erp, web) and an engine
 * watching 10 routes through the servers' $syncNotify streams, every process on its own. Requests are
 * counted at the servers (each logs every request it receives at debug level).
 *
 * WATCH_IDLE_SECONDS sets the idle window (default 3; the acceptance figure is WATCH_IDLE_SECONDS=60).
 */
import { rmSync } from 'node:fs';
import { APPS } from './support/fixtures';
import { databaseEnv, startServe, tempDir, writeYaml, type ServerProcess } from './support/processes';
import { startEngineProcess, ticksOf, type EngineProcess } from './support/engine';
import { create, digestOf, sleep, waitUntil } from './support/sdata';

const IDLE_SECONDS = Number(process.env.WATCH_IDLE_SECONDS ?? 3);
jest.setTimeout(120_000 + IDLE_SECONDS * 2000);

const NAMES = ['crm', 'erp', 'web'] as const;
const PASS_STARTED = 'source ahead of target: pass started';

describe('[pglite] watch routes', () => {
  const servers: ServerProcess[] = [];
  const dir = tempDir();
  let engine: EngineProcess;
  const ep = (i: number, kind: string) => `${servers[i].url}/sdata/${NAMES[i]}/test/-/${kind}`;
  /** Requests the servers received, by URL, other than $syncNotify streams. */
  const requestsBeyondStreams = () =>
    servers.flatMap((s) =>
      s.proc
        .stderr()
        .split('\n')
        .filter((l) => l.includes('"request received"') && !l.includes('$syncNotify')),
    );
  const streamRequests = () => servers.reduce((n, s) => n + s.proc.stderr().split('\n').filter((l) => l.includes('"request received"') && l.includes('$syncNotify')).length, 0);
  const passLines = () => engine.lines().filter((l) => l.msg === PASS_STARTED);

  beforeAll(async () => {
    const web = { ...structuredClone(APPS.crm), name: 'web', conflictPriority: 3 };
    for (const [i, app] of [APPS.crm, APPS.erp, web].entries()) {
      const cfg = writeYaml(dir, `${NAMES[i]}.yaml`, { sync: { heartbeatSeconds: 1 }, applications: [app] });
      servers.push(await startServe(cfg, { ...(await databaseEnv('pglite', dir, NAMES[i], { persistent: false })), LOG_LEVEL: 'debug' }));
    }
    const pairs: [number, number, string][] = [
      // accounts: a star around crm (a change at crm needs exactly crm -> erp and crm -> web)
      [0, 1, 'accounts'], [1, 0, 'accounts'], [0, 2, 'accounts'], [2, 0, 'accounts'],
      // contacts: a triangle, both ways
      [0, 1, 'contacts'], [1, 0, 'contacts'], [0, 2, 'contacts'], [2, 0, 'contacts'], [1, 2, 'contacts'], [2, 1, 'contacts'],
    ];
    engine = await startEngineProcess(dir, {
      routes: pairs.map(([s, t, kind]) => ({ name: `${NAMES[s]}-${NAMES[t]}-${kind}`, source: ep(s, kind), target: ep(t, kind), mode: 'watch' })),
    });
    // The first passes make the endpoints known to each other; then the routes settle.
    let seen = -1;
    await waitUntil('no pass starts for 2 s', async () => {
      const n = passLines().length;
      const quiet = n === seen;
      seen = n;
      return quiet;
    }, 60_000, 2000);
  });

  afterAll(async () => {
    await engine?.stop();
    await Promise.all(servers.map((s) => s.proc.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it(`with nothing changing, ${IDLE_SECONDS} s of watching 10 routes starts no pass and makes no request beyond the streams`, async () => {
    const requests = requestsBeyondStreams().length;
    const streams = streamRequests();
    // The servers' request log is read: it holds the streams (one per watched endpoint: 6).
    expect(streams).toBeGreaterThanOrEqual(6);
    const engineLines = engine.lines().length;
    await sleep(IDLE_SECONDS * 1000);
    expect(requestsBeyondStreams().slice(requests)).toEqual([]);
    expect(streamRequests()).toBe(streams);
    expect(engine.lines().slice(engineLines)).toEqual([]);
  });

  it('one change at a source starts exactly one pass on exactly the routes that need it', async () => {
    const before = passLines().length;
    const requests = requestsBeyondStreams().length;
    await create(ep(0, 'accounts'), 'account', { name: 'Watched' });
    await waitUntil('erp and web have the change', async () => {
      const [c, e, w] = await Promise.all([0, 1, 2].map((i) => digestOf(ep(i, 'accounts'))));
      const crmTick = ticksOf(c)[c.origin!];
      return ticksOf(e)[c.origin!] === crmTick && ticksOf(w)[c.origin!] === crmTick;
    }, 10_000, 50);
    await sleep(1500); // anything else the change would set off
    const started = passLines().slice(before).map((l) => l.route).sort();
    expect(started).toEqual(['crm-erp-accounts', 'crm-web-accounts']);
    expect(requestsBeyondStreams().length).toBeGreaterThan(requests + 2); // the passes' requests are counted too
  });
});
