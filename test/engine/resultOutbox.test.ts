/**
 * The engine's result outbox against an HTTP destination on loopback that answers 503 while "down": posts
 * are kept in order while it is down and delivered once it is back; a full queue drops its oldest waiting
 * post, with a warning line and the engine's counter; a post the destination refuses (4xx) is dropped alone.
 */
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { Writable } from 'node:stream';
import pino from 'pino';
import { SDataClient } from '../../src/engine/sdataClient';
import { ResultOutbox } from '../../src/engine/resultOutbox';
import { EngineMetrics } from '../../src/metrics/engine';
import { parseExposition, sampleValue } from '../support/prometheus';

const fast = { attempts: 1, startingDelayMillis: 1, maxDelayMillis: 5 };

function capturedLog() {
  const lines: { level: number; msg: string; reason?: string; destination?: string }[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

describe('result outbox', () => {
  let server: Server;
  let url: string;
  let status = 503;
  const received: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (status === 200) received.push(body);
        res.statusCode = status;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/logs/$syncResults`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  beforeEach(() => {
    received.length = 0;
  });

  const client = () => new SDataClient({ run: { runName: 'outbox', runStamp: new Date().toISOString() }, retry: fast });
  const until = async (what: string, done: () => boolean) => {
    const deadline = Date.now() + 30_000;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  it('keeps posts in order while the destination is down, drops the oldest waiting one when full, and delivers the rest once it is back', async () => {
    status = 503;
    const metrics = new EngineMetrics();
    const { log, lines } = capturedLog();
    const outbox = new ResultOutbox({ capacity: 3, retry: { startingDelayMillis: 5, maxDelayMillis: 20 }, onDropped: metrics.resultPostDropped, log });
    try {
      const c = client();
      // The first post is tried (and fails) at once: the destination is down, so its promise settles.
      await outbox.post(c, `${url}?page=1`, 'page 1');
      for (const n of [2, 3, 4, 5]) await outbox.post(c, `${url}?page=${n}`, `page ${n}`);
      expect(outbox.pending(url)).toBe(3);
      status = 200;
      await until('the queue is empty', () => outbox.pending(url) === 0);
      // Page 1 was being tried when the queue overflowed; pages 2 and 3 were the oldest waiting ones.
      expect(received).toEqual(['page 1', 'page 4', 'page 5']);
      const families = parseExposition(await metrics.registry.metrics());
      expect(sampleValue(families, 'sdata_engine_result_posts_dropped_total', { destination: url, reason: 'overflow' })).toBe(2);
      const warnings = lines.filter((l) => l.reason === 'overflow');
      expect(warnings).toHaveLength(2);
      expect(warnings.every((l) => l.level === 40 && l.destination === url)).toBe(true);
    } finally {
      outbox.close();
    }
  });

  it('drops a post its destination refuses (4xx) and goes on with the next', async () => {
    const metrics = new EngineMetrics();
    const outbox = new ResultOutbox({ capacity: 10, retry: { startingDelayMillis: 5, maxDelayMillis: 20 }, onDropped: metrics.resultPostDropped });
    try {
      status = 400;
      await outbox.post(client(), url, 'refused');
      status = 200;
      await outbox.post(client(), url, 'accepted');
      expect(received).toEqual(['accepted']);
      expect(sampleValue(parseExposition(await metrics.registry.metrics()), 'sdata_engine_result_posts_dropped_total', { destination: url, reason: 'refused' })).toBe(1);
    } finally {
      outbox.close();
    }
  });
});
