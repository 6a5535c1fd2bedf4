/**
 * When a pass's end waits for its result posts (report.ts#ResultReporter.flush): with the engine's outbox, a
 * pass ends at once while its logger is slow, unless that logger's queue is crowded (over half full), when
 * it waits for its posts; with its own outbox (a one-off pass), it waits for them before it ends. The logger
 * here is a loopback server that holds every post until released.
 */
import type { AddressInfo } from 'node:net';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { SDataClient } from '../../src/engine/sdataClient';
import { ResultOutbox } from '../../src/engine/resultOutbox';
import { ResultReporter } from '../../src/engine/report';

const fast = { attempts: 1, startingDelayMillis: 1, maxDelayMillis: 5 };
const counts = { created: 0, updated: 0, deleted: 0, conflicts: 0, failures: 0, skipped: 0, warnings: 0 };
const FEED = '<feed xmlns="http://www.w3.org/2005/Atom"/>';

describe('a pass ends without waiting for its result posts unless it must', () => {
  let server: Server;
  let logger: string;
  let held: ServerResponse[] = [];
  const release = () => {
    for (const r of held.splice(0)) r.end();
  };

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      req.on('end', () => held.push(res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    logger = `http://127.0.0.1:${(server.address() as AddressInfo).port}/logs/$syncResults`;
  });

  afterAll(async () => {
    release();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  afterEach(() => {
    release();
    held = [];
  });

  const client = () => new SDataClient({ run: { runName: 'wait', runStamp: new Date().toISOString() }, retry: fast });
  const pass = { source: 'http://a.test/sdata/a/test/-/accounts', target: 'http://b.test/sdata/b/test/-/accounts', kind: 'accounts' };

  /** Reports `pages` pages and ends the pass; true when its end came before the logger answered anything. */
  async function endsBeforeDelivery(outbox: ResultOutbox | undefined, pages: number): Promise<boolean> {
    const reporter = new ResultReporter(pass, { client: client(), loggers: [logger], outbox });
    for (let i = 1; i <= pages; i++) reporter.page(FEED, { state: i === pages ? 'done' : 'running', entries: 0, ...counts });
    let ended = false;
    const end = reporter.flush().then(() => (ended = true));
    // Let the posts reach the logger (which holds them), then see whether the pass has ended.
    while (held.length === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setImmediate(r));
    const before = ended;
    // Released one by one, in order, until the pass ends.
    while (!ended) {
      release();
      await new Promise((r) => setTimeout(r, 5));
    }
    await end;
    return before;
  }

  it('with the engine outbox and a queue not crowded: the pass ends at once', async () => {
    const outbox = new ResultOutbox({ capacity: 10, retry: { startingDelayMillis: 1, maxDelayMillis: 5 } });
    expect(await endsBeforeDelivery(outbox, 2)).toBe(true);
    outbox.close();
  });

  it('with the engine outbox and a crowded queue (over half its capacity): the pass waits for its posts', async () => {
    const outbox = new ResultOutbox({ capacity: 10, retry: { startingDelayMillis: 1, maxDelayMillis: 5 } });
    expect(await endsBeforeDelivery(outbox, 6)).toBe(false);
    outbox.close();
  });

  it('with its own outbox (a one-off pass): the pass waits for its posts', async () => {
    expect(await endsBeforeDelivery(undefined, 1)).toBe(false);
  });
});
