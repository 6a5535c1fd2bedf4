/** The built-in demo: applications `crm` and `erp`, contract `test`, kinds `accounts` and `contacts`. */
import type { ConfigInput } from './schema';

const kinds = [
  {
    name: 'accounts',
    element: 'account',
    syncOrder: 1,
    properties: {
      name: { type: 'string', required: true },
      email: { type: 'string' },
      balance: { type: 'decimal' },
      active: { type: 'boolean' },
      openedOn: { type: 'date' },
    },
  },
  {
    name: 'contacts',
    element: 'contact',
    syncOrder: 2,
    properties: {
      firstName: { type: 'string' },
      lastName: { type: 'string' },
      email: { type: 'string' },
      account: { type: 'reference', kind: 'accounts' },
    },
  },
] as const;

/** The demo's `accounts` kind (what the benchmarks sync), as configuration input. */
export function demoAccountsKind() {
  return structuredClone(kinds[0]) as never;
}

export const demoConfig: ConfigInput = {
  applications: [
    { name: 'crm', contract: 'test', namespace: 'urn:sdata-sync:demo', dataset: '-', conflictPriority: 1, keys: { style: 'numeric' }, kinds: structuredClone(kinds) as never },
    { name: 'erp', contract: 'test', namespace: 'urn:sdata-sync:demo', dataset: '-', conflictPriority: 2, keys: { style: 'prefixed', prefix: 'A', width: 5 }, kinds: structuredClone(kinds) as never },
  ],
};
