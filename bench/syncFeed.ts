/**
 * Sync feed XML speed: builds and parses one page of a sync feed of N demo accounts (default 1,000), with
 * no database. `node --import tsx bench/syncFeed.ts [--n 1000] [--runs 20]`; prints the median of the runs.
 *
 *   build  buildSyncFeed (entries with sync state, user, etag; one in ten with x:knowledge; floor and ceiling)
 *   parse  parseSyncFeed (XML tree and every entry's sync metadata checked)
 *   read   readPayloadValues of every parsed entry's payload (what $syncTarget does next)
 */
import { randomUUID } from 'node:crypto';
import { readPayloadValues } from '../src/atom/payloadRead';
import { payloadNode } from '../src/atom/payloadWrite';
import { keyUrl } from '../src/atom/resourceXml';
import { buildSyncFeed, parseSyncFeed, type SyncFeedEntryOut } from '../src/atom/syncFeed';
import { endpointDefs } from '../src/config/catalog';
import { demoConfig } from '../src/config/demo';
import { parseConfig } from '../src/config/load';
import type { Digest } from '../src/protocol/types';
import { medianMillis, numberOption } from './support/timing';

const n = numberOption('n', 1000);
const runs = numberOption('runs', 20);
const def = endpointDefs(parseConfig(demoConfig, {})).find((d) => d.kind.name === 'accounts')!;
const ep = def.url;
const other = ep.replace('/crm/', '/erp/');
const stamp = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();

const entries: SyncFeedEntryOut[] = Array.from({ length: n }, (_, i) => {
  const key = String(i + 1);
  const uuid = randomUUID();
  const url = keyUrl(ep, key);
  const values = { name: `Account ${i + 1} & Co`, email: `a${i + 1}@example.com`, balance: `${i}.50`, active: i % 2 === 0, openedOn: '2024-01-31' };
  return {
    id: url,
    title: `account ${key}`,
    updated: stamp(i),
    uuid,
    state: { endpoint: ep, tick: i + 1, stamp: stamp(i), user: 'demo' },
    knowledge: i % 10 === 0 ? { entries: [{ endpoint: other, tick: 500 + i, stamp: stamp(i), conflictPriority: 2 }] } : undefined,
    deleted: false,
    etag: 'x7Gq2mB0aPd1kLs9',
    payload: payloadNode({ key, uuid, url, values }, def.kind, def.app),
  };
});

const digest = (tick: number): Digest => ({
  origin: ep,
  entries: [
    { endpoint: ep, tick, stamp: stamp(n), conflictPriority: 1 },
    { endpoint: other, tick: 50, stamp: stamp(0), conflictPriority: 2 },
  ],
});

const self = `${ep}/$syncSource('${randomUUID()}')`;
const build = () =>
  buildSyncFeed({
    id: self,
    updated: stamp(n),
    mode: 'catchUp',
    ceiling: digest(n + 1),
    floor: digest(1),
    links: [
      { rel: 'self', href: `${self}?startIndex=1&count=${n}` },
      { rel: 'first', href: `${self}?startIndex=1&count=${n}` },
    ],
    totalResults: n,
    startIndex: 1,
    itemsPerPage: n,
    entries,
  });
const xml = build();
const parsed = parseSyncFeed(xml);
const read = () => {
  for (const e of parsed.entries) readPayloadValues(e.payload!, def.kind, def.app);
};

const median = (work: () => unknown): number => medianMillis(work, runs);

const rows: [string, number][] = [
  ['build', median(build)],
  ['parse', median(() => parseSyncFeed(xml))],
  ['read', median(read)],
];
process.stdout.write(`sync feed page of ${n} accounts, ${xml.length} bytes (${Math.round(xml.length / n)} per entry), median of ${runs} runs\n`);
for (const [step, ms] of rows) process.stdout.write(`  ${step.padEnd(6)} ${ms.toFixed(1).padStart(7)} ms  ${Math.round((n / ms) * 1000).toLocaleString('en')} entries/s\n`);
