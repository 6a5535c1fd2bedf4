/**
 * What linking costs a target (PROTOCOL.md 2.8): one sync page of N accounts from crm applied at erp, in
 * process (supertest, PGlite in memory), the CPU time of the `$syncTarget` POST (parse, decode, look up,
 * plan, write, result feed) measured with process.cpuUsage, in two set-ups:
 *
 *   create   erp holds N accounts with other emails and no link rule: the page creates N resources
 *   link     erp holds N accounts with the same emails (one in ten with another balance) and links on
 *            email: the page links N resources (restamps them, parks the differing tenth)
 *
 *   npm run bench -- linking [--n 1000] [--reps 3]
 *   node --import tsx bench/linking.ts --n 1000 --reps 3
 */
import { parseArgs } from 'node:util';
import request from 'supertest';
import { parseConfig } from '../src/config/load';
import { demoConfig } from '../src/config/demo';
import { createApp, prepareRuntime } from '../src/endpoint/server';
import { closeDatabase, openDatabase } from '../src/store/db';

const { values: opts } = parseArgs({ options: { n: { type: 'string', default: '1000' }, reps: { type: 'string', default: '3' } }, allowPositionals: true });
const N = Number(opts.n);
const REPS = Number(opts.reps);
const BASE = 'http://bench.test';
const CRM = `${BASE}/sdata/crm/test/-/accounts`;
const ERP = `${BASE}/sdata/erp/test/-/accounts`;
const NS = 'xmlns="http://www.w3.org/2005/Atom" xmlns:sdata="http://schemas.sage.com/sdata/2008/1" xmlns:http="http://schemas.sage.com/sdata/http/2008/1"';
const path = (url: string): string => new URL(url).pathname;

function batch(accounts: { key: string; email: string; balance: string }[]): string {
  const entries = accounts.map((a) => `<entry><http:httpMethod>POST</http:httpMethod><sdata:payload><account xmlns="urn:sdata-sync:demo" sdata:key="${a.key}"><name>Account ${a.key}</name><email>${a.email}</email><balance>${a.balance}</balance></account></sdata:payload></entry>`);
  return `<feed ${NS}>${entries.join('')}</feed>`;
}

async function run(mode: 'create' | 'link'): Promise<number> {
  const applications = (demoConfig.applications ?? []).map((a) => ({ ...a, kinds: a.kinds.map((k) => (k.name === 'accounts' && mode === 'link' ? { ...structuredClone(k), link: { on: ['email'] } } : structuredClone(k))) }));
  const cfg = parseConfig({ server: { publicBaseUrl: BASE, maxPageSize: Math.max(N, 1000) }, sync: { maxPageSize: Math.max(N, 5000) }, log: { level: 'silent' }, applications } as never, {});
  const db = await openDatabase({ dataDir: 'memory://' });
  try {
    const app = createApp(await prepareRuntime(cfg, { db }));
    const ok = (r: request.Response, what: string) => {
      if (r.status >= 300) throw new Error(`${what}: ${r.status} ${r.text.slice(0, 300)}`);
      return r;
    };
    const seq = Array.from({ length: N }, (_, i) => i);
    ok(await request(app).post(path(`${CRM}/$batch`)).type('application/atom+xml;type=feed').send(batch(seq.map((i) => ({ key: `${i + 1}`, email: `user${i}@example.com`, balance: '10.00' })))), 'crm batch');
    const erpEmail = (i: number) => (mode === 'link' ? `user${i}@example.com` : `other${i}@example.com`);
    ok(await request(app).post(path(`${ERP}/$batch`)).type('application/atom+xml;type=feed').send(batch(seq.map((i) => ({ key: `E${i}`, email: erpEmail(i), balance: i % 10 === 0 ? '99.00' : '10.00' })))), 'erp batch');
    const digest = ok(await request(app).get(path(`${ERP}/$syncDigest`)).buffer(true).parse(text as never), 'digest').body as string;
    const page = ok(await request(app).post(`${path(`${CRM}/$syncSource`)}?count=${N}`).type('application/atom+xml;type=entry').send(digest).buffer(true).parse(text as never), 'source').body as string;
    const before = process.cpuUsage();
    const applied = ok(await request(app).post(path(`${ERP}/$syncTarget`)).type('application/atom+xml;type=feed').send(page).buffer(true).parse(text as never), 'target');
    const used = process.cpuUsage(before);
    const body = applied.body as string;
    const expected = mode === 'link' ? /Linked/ : /<http:httpStatus>201</;
    if (!expected.test(body) || applied.status !== 200) throw new Error(`${mode}: unexpected result ${applied.status} ${body.slice(0, 300)}`);
    return (used.user + used.system) / 1000;
  } finally {
    await closeDatabase(db);
  }
}

/** supertest's parser: the answer body as text (its response is a Node stream, typed as superagent's). */
function text(res: NodeJS.ReadableStream, done: (err: Error | null, body: string) => void): void {
  let s = '';
  res.setEncoding('utf8');
  res.on('data', (c: string) => (s += c));
  res.on('end', () => done(null, s));
}

async function main(): Promise<void> {
  process.stdout.write(`linking: one page of ${N} entries applied at the target, CPU ms (user + system) of the $syncTarget POST, PGlite in memory, ${REPS} runs\n`);
  for (const mode of ['create', 'link'] as const) {
    const times: number[] = [];
    for (let r = 0; r < REPS; r++) times.push(await run(mode));
    times.sort((a, b) => a - b);
    process.stdout.write(`  ${mode.padEnd(7)} median ${times[Math.floor(times.length / 2)].toFixed(0)} ms  (${times.map((t) => t.toFixed(0)).join(', ')})\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
