/**
 * Feed XML speed: builds and parses a resource feed of N demo accounts (default 1,000), with no database.
 * `node --import tsx bench/feedXml.ts [--n 1000] [--runs 20]`; prints the median of the runs.
 *
 *   build  resourceFeedDocument (payloadNode per entry, written by atom/write.ts)
 *   parse  parseXml (namespace-aware tree)
 *   read   parseXml, then readPayload of every entry's payload (what a target does with a page)
 */
import { randomUUID } from 'node:crypto';
import { NS } from '../src/atom/namespaces';
import { readPayload } from '../src/atom/payloadRead';
import { resourceFeedDocument, type EntryResource } from '../src/atom/resourceXml';
import { child, childrenNamed, parseXml } from '../src/atom/xml';
import { demoConfig } from '../src/config/demo';
import { endpointDefs } from '../src/config/catalog';
import { parseConfig } from '../src/config/load';
import { medianMillis, numberOption } from './support/timing';

const n = numberOption('n', 1000);
const runs = numberOption('runs', 20);
const def = endpointDefs(parseConfig(demoConfig, {})).find((d) => d.kind.name === 'accounts')!;
const resources: EntryResource[] = Array.from({ length: n }, (_, i) => ({
  key: `A${String(i + 1).padStart(5, '0')}`,
  uuid: randomUUID(),
  values: { name: `Account ${i + 1} & Co`, email: `a${i + 1}@example.com`, balance: `${i}.50`, active: i % 2 === 0, openedOn: '2024-01-31' },
  etag: 'x7Gq2mB0aPd1kLs9',
  state: { stamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString() },
}));

const build = () => resourceFeedDocument({ resources, startIndex: 1, count: n, total: n }, def);
const xml = build();
const read = () => {
  for (const e of childrenNamed(parseXml(xml), NS.atom, 'entry')) readPayload(child(e, NS.sdata, 'payload')!.children[0], def.kind, def.app);
};

const median = (work: () => unknown): number => medianMillis(work, runs);

const rows: [string, number][] = [
  ['build', median(build)],
  ['parse', median(() => parseXml(xml))],
  ['read', median(read)],
];
process.stdout.write(`feed of ${n} accounts, ${xml.length} bytes (${Math.round(xml.length / n)} per entry), median of ${runs} runs\n`);
for (const [step, ms] of rows) process.stdout.write(`  ${step.padEnd(6)} ${ms.toFixed(1).padStart(7)} ms  ${Math.round((n / ms) * 1000).toLocaleString('en')} entries/s\n`);
