/**
 * The cost of the HTTP metrics middleware (metrics/httpRequests.ts): the same express app, with the access control
 * of the endpoint server in front of a handler that answers at once, serving `--n` GETs of a keyed resource
 * URL (the route label is worked out from the URL for each request) over keep-alive connections, 4 at a
 * time, without and with the middleware, in alternating rounds. Printed: requests per second and the time
 * per request of each, and the difference (the middleware's cost per request, counter and histogram
 * included). A real request does far more (reading the database, writing XML), so this is the upper bound
 * of the share the middleware takes. On a busy machine the HTTP figures are noisy; the middleware alone is
 * also timed in-process (called on a request and answer object, its `close` emitted), which is not.
 *
 *   npm run bench -- httpMetrics [--n 20000] [--rounds 3]
 */
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Agent, request } from 'undici';
import { endpointRouteOf } from '../src/endpoint/routeOf';
import { httpMetrics } from '../src/metrics/httpRequests';
import { serviceRegistry } from '../src/metrics/registry';
import { accessControl } from '../src/security/accessControl';
import { securityPolicy } from '../src/security/policy';
import { ENDPOINT_ROUTES } from '../src/security/roles';
import { numberOption } from './support/timing';

const N = numberOption('n', 20_000);
const ROUNDS = numberOption('rounds', 3);
const CONCURRENCY = 4;

function app(withMetrics: boolean): express.Express {
  const a = express();
  const routeOf = (req: express.Request) => endpointRouteOf(req.path);
  if (withMetrics) a.use(httpMetrics(serviceRegistry('server'), ENDPOINT_ROUTES, routeOf));
  a.use(accessControl(securityPolicy({ users: [] }, '127.0.0.1'), ENDPOINT_ROUTES, routeOf));
  a.get(/.*/, (_req, res) => {
    res.status(200).type('text/plain').send('ok');
  });
  return a;
}

async function serve(withMetrics: boolean, n: number): Promise<number> {
  const server = app(withMetrics).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const dispatcher = new Agent({ connections: CONCURRENCY });
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < n) {
        const i = next++;
        const res = await request(`http://127.0.0.1:${port}/sdata/crm/test/-/accounts('K${i}')`, { dispatcher });
        await res.body.text();
        if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await dispatcher.close();
  server.close();
  return seconds;
}

/** Microseconds per request of the middleware alone, the median of `rounds` rounds of `n` calls. */
function middlewareAlone(n: number, rounds: number): number {
  const mw = httpMetrics(serviceRegistry('server'), ENDPOINT_ROUTES, (req) => endpointRouteOf(req.path));
  const times: number[] = [];
  for (let r = 0; r < rounds + 1; r++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      const res = Object.assign(new EventEmitter(), { statusCode: 200 });
      mw({ method: 'GET', path: `/sdata/crm/test/-/accounts('K${i}')` } as express.Request, res as unknown as express.Response, () => undefined);
      res.emit('close');
    }
    if (r > 0) times.push(Number(process.hrtime.bigint() - started) / n / 1000); // the first round warms up
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

async function main(): Promise<void> {
  process.stdout.write(`middleware alone: ${middlewareAlone(N * 5, ROUNDS).toFixed(2)} µs per request (median of ${ROUNDS} rounds of ${N * 5} calls)\n`);
  await serve(false, 2000); // warm-up of both paths
  await serve(true, 2000);
  const times: Record<'without' | 'with', number[]> = { without: [], with: [] };
  for (let r = 0; r < ROUNDS; r++) {
    times.without.push(await serve(false, N));
    times.with.push(await serve(true, N));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const line = (label: string, s: number) => `${label}: ${Math.round(N / s)} requests/s, ${((s / N) * 1e6).toFixed(1)} µs per request (median of ${ROUNDS} rounds of ${N})`;
  const without = median(times.without);
  const withMetrics = median(times.with);
  process.stdout.write(`${line('without metrics', without)}\n${line('with metrics   ', withMetrics)}\n`);
  process.stdout.write(`middleware cost: ${(((withMetrics - without) / N) * 1e6).toFixed(1)} µs per request (${(((withMetrics - without) / without) * 100).toFixed(1)} % of this trivial request)\n`);
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
