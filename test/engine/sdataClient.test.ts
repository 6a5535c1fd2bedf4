/** The engine's HTTP client against a tiny express stub on loopback: polling, 200 at once, retries, diagnoses. */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import type { Logger } from 'pino';
import { buildTracking } from '../../src/atom/tracking';
import { diagnosesDocument } from '../../src/atom/diagnosisXml';
import { EndpointError } from '../../src/engine/errors';
import { SDataClient, tagWithRun, type RetryPolicy } from '../../src/engine/sdataClient';

const run = { runName: 'test run', runStamp: '2026-11-22T12:00:00.000Z' };
const fastRetry: RetryPolicy = { attempts: 4, startingDelayMillis: 1, maxDelayMillis: 5 };

const tracking = (pollingMillis: number) =>
  buildTracking({ phase: 'working', phaseDetail: 'stub', progress: 0, elapsedSeconds: 0, remainingSeconds: 1, pollingMillis });

let server: Server;
let base: string;
const seen: { method: string; path: string; query: Record<string, unknown>; at: number }[] = [];
const counters = new Map<string, number>();
const bump = (k: string) => {
  const n = (counters.get(k) ?? 0) + 1;
  counters.set(k, n);
  return n;
};

beforeAll(async () => {
  const app = express();
  app.use(express.text({ type: () => true }));
  app.use((req, _res, next) => {
    seen.push({ method: req.method, path: req.path, query: { ...req.query }, at: Date.now() });
    next();
  });
  app.post('/ok', (req, res) => {
    res.status(200).type('application/atom+xml').send(`<echo>${String(req.body)}</echo>`);
  });
  app.post('/slow', (_req, res) => {
    res.status(202).location('/slow/status').type('application/xml').send(tracking(40));
  });
  app.get('/slow/status', (_req, res) => {
    if (bump('slow') < 3) res.status(202).type('application/xml').send(tracking(40));
    else res.status(200).type('application/atom+xml').send('<done/>');
  });
  // Asks for 2 s between polls: a client that honours its maxMillis of 5 ms is done in a fraction of that.
  app.post('/sluggish', (_req, res) => {
    res.status(202).location('/sluggish/status').type('application/xml').send(tracking(2000));
  });
  app.get('/sluggish/status', (_req, res) => {
    if (bump('sluggish') < 3) res.status(202).type('application/xml').send(tracking(2000));
    else res.status(200).type('application/atom+xml').send('<done/>');
  });
  app.post('/flaky', (req, res) => {
    if (bump('flaky') < 3) res.status(503).type('application/xml').send(diagnosesDocument([{ severity: 'Transient', sdataCode: 'ApplicationUnavailable', message: 'busy' }]));
    else res.status(200).send(`tracking ${String(req.query.trackingID)}`);
  });
  app.post('/transient-400', (_req, res) => {
    if (bump('t400') < 2) res.status(409).type('application/xml').send(diagnosesDocument([{ severity: 'Transient', sdataCode: 'ApplicationDiagnosis', applicationCode: 'Locked', message: 'try later' }]));
    else res.status(200).send('ok');
  });
  app.post('/bad', (_req, res) => {
    bump('bad');
    res.status(400).type('application/xml').send(diagnosesDocument([{ severity: 'Error', sdataCode: 'BadRequest', applicationCode: 'InvalidDigest', message: 'tick is not an integer', payloadPath: 'digest/digestEntry[1]/tick' }]));
  });
  app.get('/forever', (_req, res) => {
    bump('forever');
    res.status(202).location('/forever').type('application/xml').send(tracking(10));
  });
  app.get('/plain-500', (_req, res) => {
    res.status(500).send('boom');
  });
  await new Promise<void>((resolve) => {
    server = app.listen(0, '127.0.0.1', () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen.length = 0;
  counters.clear();
});

const client = (over: Partial<ConstructorParameters<typeof SDataClient>[0]> = {}) => new SDataClient({ run, retry: fastRetry, ...over });

describe('SDataClient', () => {
  it('tags every request with runName and runStamp, and takes a 200 answer at once', async () => {
    const a = await client().exchange('POST', `${base}/ok?x=1`, { text: 'hello', type: 'text/plain' });
    expect(a.status).toBe(200);
    expect(a.body).toBe('<echo>hello</echo>');
    expect(seen).toHaveLength(1);
    expect(seen[0].query).toEqual({ x: '1', runName: 'test run', runStamp: run.runStamp });
    expect(tagWithRun(`${base}/a?runName=given`, run)).toBe(`${base}/a?runName=given&runStamp=2026-11-22T12%3A00%3A00.000Z`);
  });

  it('polls the Location of a 202 answer, waiting pollingMillis between polls, until 200', async () => {
    const a = await client().exchange('POST', `${base}/slow`, { text: '<x/>', type: 'application/xml' });
    expect(a.status).toBe(200);
    expect(a.body).toBe('<done/>');
    expect(a.location).toBe(`${base}/slow/status`);
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual(['POST /slow', 'GET /slow/status', 'GET /slow/status', 'GET /slow/status']);
    for (let i = 1; i < seen.length; i++) expect(seen[i].at - seen[i - 1].at).toBeGreaterThanOrEqual(35);
    expect(seen.every((s) => s.query.runName === run.runName)).toBe(true);
  });

  it('keeps pollingMillis within the configured bounds', async () => {
    const started = Date.now();
    await client({ poll: { minMillis: 1, maxMillis: 5, timeoutSeconds: 10 } }).exchange('POST', `${base}/sluggish`);
    // Three polls at the asked 2 s would take 6 s; within the bound they take milliseconds (generous margin for load).
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('retries 5xx and Transient diagnoses with backoff, rebuilding the URL (fresh trackingID) each time', async () => {
    let n = 0;
    const a = await client().exchange('POST', () => `${base}/flaky?trackingID=t${++n}`);
    expect(a.body).toBe('tracking t3');
    expect(seen.map((s) => s.query.trackingID)).toEqual(['t1', 't2', 't3']);
    const b = await client().exchange('POST', `${base}/transient-400`);
    expect(b.body).toBe('ok');
    expect(counters.get('t400')).toBe(2);
  });

  it('does not retry an Error diagnosis, and throws it parsed', async () => {
    const err = await client()
      .exchange('POST', `${base}/bad`, { text: '<entry/>', type: 'application/atom+xml' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EndpointError);
    const e = err as EndpointError;
    expect(e.status).toBe(400);
    expect(e.transient).toBe(false);
    expect(e.diagnoses).toEqual([{ severity: 'Error', sdataCode: 'BadRequest', applicationCode: 'InvalidDigest', message: 'tick is not an integer', payloadPath: 'digest/digestEntry[1]/tick' }]);
    expect(counters.get('bad')).toBe(1);
  });

  it('describes a non-XML error body as a diagnosis', async () => {
    const e = (await client({ retry: { ...fastRetry, attempts: 1 } }).exchange('GET', `${base}/plain-500`).catch((x: unknown) => x)) as EndpointError;
    expect(e.status).toBe(500);
    expect(e.transient).toBe(true);
    expect(e.diagnoses[0].message).toBe('HTTP 500: boom');
  });

  it('retries an unreachable endpoint, then gives up with a Transient diagnosis', async () => {
    const closed = express().listen(0, '127.0.0.1');
    await new Promise((r) => closed.once('listening', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const warn = jest.fn();
    const log = { warn, debug: jest.fn(), info: jest.fn(), error: jest.fn() } as unknown as Logger;
    const e = (await client({ log }).exchange('GET', `http://127.0.0.1:${port}/x`).catch((x: unknown) => x)) as EndpointError;
    expect(e).toBeInstanceOf(EndpointError);
    expect(e.status).toBeUndefined();
    expect(e.transient).toBe(true);
    expect(e.diagnoses[0]).toMatchObject({ severity: 'Transient', sdataCode: 'ApplicationUnavailable' });
    expect(warn).toHaveBeenCalledTimes(fastRetry.attempts - 1);
  });

  it('gives up polling after the poll timeout (a transient failure, so the exchange is retried)', async () => {
    const e = (await client({ retry: { ...fastRetry, attempts: 2 }, poll: { minMillis: 5, maxMillis: 20, timeoutSeconds: 0.05 } })
      .exchange('GET', `${base}/forever`)
      .catch((x: unknown) => x)) as EndpointError;
    expect(e).toBeInstanceOf(EndpointError);
    expect(e.diagnoses[0].applicationCode).toBe('PollTimeout');
    // Each of the two attempts asks once and polls at least once before its deadline (a loaded machine may
    // leave time for no more than that).
    expect(counters.get('forever')!).toBeGreaterThanOrEqual(4);
  });
});
