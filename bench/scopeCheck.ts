/**
 * The cost of the scope check per request (PROTOCOL.md 3.3): a partitioned kind `accounts` (FR and DE
 * partitions, `--rows` accounts in each) on an in-memory PGlite, its kind feed read `--n` times by a user
 * scoped to FR and by an unscoped one, in alternating requests over one keep-alive connection. Printed: the
 * median and p99 time per request of each, and the check alone timed in-process (the scope of the request,
 * the refusal check and the scoped view of the endpoint), which a busy machine does not blur.
 * The scoped feed holds half the rows, so its round trip may be shorter: the in-process figure is the cost.
 *
 *   npm run bench -- scopeCheck [--n 400] [--rows 50]
 */
import type { AddressInfo } from 'node:net';
import type { Response } from 'express';
import { Agent, request } from 'undici';
import { parseConfig } from '../src/config/load';
import { createApp, prepareRuntime } from '../src/endpoint/server';
import { refuseOutOfScope, scopedEndpoint } from '../src/endpoint/scoped';
import { hashPassword } from '../src/security/password';
import { securityPolicy } from '../src/security/policy';
import { onBenchDatabase } from './support/databases';
import { numberOption } from './support/timing';

const N = numberOption('n', 400);
const ROWS = numberOption('rows', 50);
const FR = "country eq 'FR'";
const FAST = { N: 1024, r: 8, p: 1 };
const basic = (user: string) => `Basic ${Buffer.from(`${user}:${user}-pass`).toString('base64')}`;

const percentile = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

async function main(): Promise<void> {
  await onBenchDatabase('pglite', async (db) => {
    const users = await Promise.all(
      [
        { name: 'paris', roles: ['read', 'write'], partitions: { accounts: [FR] } },
        { name: 'clerk', roles: ['read', 'write'] },
      ].map(async (u) => ({ ...u, passwordHash: await hashPassword(`${u.name}-pass`, FAST) })),
    );
    const cfg = parseConfig(
      {
        server: { port: 0, publicBaseUrl: 'http://sdata.test', defaultPageSize: 100 },
        log: { level: 'warn' },
        security: { users },
        applications: [{ name: 'hq', contract: 'test', namespace: 'urn:hq', kinds: [{ name: 'accounts', element: 'account', properties: { name: { type: 'string', required: true }, country: { type: 'string', required: true } }, partitions: [{ where: FR }, { where: "country eq 'DE'" }] }] }],
      },
      {},
    );
    const runtime = await prepareRuntime(cfg, { db, security: securityPolicy(cfg.security, '127.0.0.1') });
    const server = createApp(runtime).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    const dispatcher = new Agent({ connections: 1 });
    const feed = `http://127.0.0.1:${port}/sdata/hq/test/-/accounts`;
    const call = async (method: 'GET' | 'POST', user: string, body?: string): Promise<string> => {
      const res = await request(feed, { method, dispatcher, body, headers: { authorization: basic(user), accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) } });
      const text = await res.body.text();
      if (res.statusCode >= 300) throw new Error(`${method} ${res.statusCode}: ${text.slice(0, 300)}`);
      return text;
    };
    try {
      for (let i = 0; i < ROWS; i++) for (const country of ['FR', 'DE']) await call('POST', 'clerk', JSON.stringify({ name: `${country} ${i}`, country }));
      const times: Record<string, number[]> = { paris: [], clerk: [] };
      for (let i = 0; i < N + 20; i++) {
        for (const user of ['paris', 'clerk']) {
          const t0 = process.hrtime.bigint();
          const text = await call('GET', user);
          const ms = Number(process.hrtime.bigint() - t0) / 1e6;
          if (i >= 20) times[user].push(ms); // the first 20 of each warm up
          const total = (JSON.parse(text) as { $totalResults: number }).$totalResults;
          if (total !== (user === 'paris' ? ROWS : 2 * ROWS)) throw new Error(`${user} read ${total} accounts`);
        }
      }
      console.log(`kind feed of ${2 * ROWS} accounts (FR and DE partitions), PGlite in memory, ${N} GETs each, whole HTTP round trip:`);
      for (const [user, label] of [['paris', 'scoped to FR (sees half)'], ['clerk', 'unscoped (sees all)     ']]) {
        console.log(`  ${label}  median ${percentile(times[user], 0.5).toFixed(2)} ms, p99 ${percentile(times[user], 0.99).toFixed(2)} ms`);
      }
      // The check alone, as the router makes it: the scope of the request, the refusal check, the scoped view.
      const kind = runtime.catalog.endpoints.find((e) => e.url === 'http://sdata.test/sdata/hq/test/-/accounts')!;
      const principals = { paris: (await runtime.security.authenticate('paris', 'paris-pass', '127.0.0.1')) as { principal: unknown }, clerk: (await runtime.security.authenticate('clerk', 'clerk-pass', '127.0.0.1')) as { principal: unknown } };
      for (const user of ['paris', 'clerk'] as const) {
        const res = { locals: { principal: principals[user].principal, user } } as unknown as Response;
        const each: number[] = [];
        for (let i = 0; i < 100_000 + 10_000; i++) {
          const t0 = process.hrtime.bigint();
          refuseOutOfScope(res, kind, undefined);
          scopedEndpoint(res, kind);
          if (i >= 10_000) each.push(Number(process.hrtime.bigint() - t0) / 1000);
        }
        console.log(`  the check alone, ${user.padEnd(5)}: median ${percentile(each, 0.5).toFixed(2)} µs, p99 ${percentile(each, 0.99).toFixed(2)} µs (100000 calls)`);
      }
    } finally {
      await dispatcher.close();
      server.close();
      await runtime.closeStores();
    }
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
