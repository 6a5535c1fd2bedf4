/**
 * The configuration of the partition tests (PROTOCOL.md 2.9): a head office `hq` whose accounts are
 * partitioned by country (FR, DE), and two subsidiaries' ERPs, `fr` and `de`, whose accounts are not.
 */
import { parseConfig } from '../../src/config/load';
import type { Config } from '../../src/config/schema';
import { partitionUrl } from '../../src/protocol/partitions';

const accounts = (partitions?: { where: string }[]) => ({
  name: 'accounts',
  element: 'account',
  syncOrder: 1,
  properties: { name: { type: 'string', required: true }, country: { type: 'string' }, balance: { type: 'decimal' } },
  ...(partitions ? { partitions } : {}),
});

const contacts = { name: 'contacts', element: 'contact', syncOrder: 2, properties: { lastName: { type: 'string' }, account: { type: 'reference', kind: 'accounts' } } };

export const HQ = 'http://sdata.test/sdata/hq/test/-/accounts';
export const HQ_FR = partitionUrl(HQ, "country eq 'FR'");
export const HQ_DE = partitionUrl(HQ, "country eq 'DE'");
export const ERP_FR = 'http://sdata.test/sdata/fr/test/-/accounts';
export const ERP_DE = 'http://sdata.test/sdata/de/test/-/accounts';

export function partitionConfig(): Config {
  const app = (name: string, priority: number, kinds: unknown[]) => ({ name, contract: 'test', namespace: 'urn:test', conflictPriority: priority, kinds });
  return parseConfig(
    {
      server: { port: 0, publicBaseUrl: 'http://sdata.test' },
      log: { level: 'silent' },
      applications: [
        app('hq', 1, [accounts([{ where: "country eq 'FR'" }, { where: "country eq 'DE'" }]), contacts]),
        app('fr', 2, [accounts()]),
        app('de', 3, [accounts()]),
      ],
    },
    {},
  );
}

/** An Atom entry holding an account. */
export function accountEntry(values: { name: string; country?: string; balance?: string }, ids: { key?: string; uuid?: string } = {}): string {
  const attrs = `${ids.key ? ` sdata:key="${ids.key}"` : ''}${ids.uuid ? ` sdata:uuid="${ids.uuid}"` : ''}`;
  const props = Object.entries(values).map(([k, v]) => `<${k}>${v}</${k}>`).join('');
  return `<entry xmlns="http://www.w3.org/2005/Atom" xmlns:sdata="http://schemas.sage.com/sdata/2008/1"><sdata:payload><account xmlns="urn:test"${attrs}>${props}</account></sdata:payload></entry>`;
}
