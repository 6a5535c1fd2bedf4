/**
 * The configuration of the endpoint and store tests: the demo's crm (numeric keys) and erp (prefixed keys)
 * applications, each with a third kind `orders` holding every scalar type, a reference and a child list.
 */
import { parseConfig } from '../../../src/config/load';
import { demoConfig } from '../../../src/config/demo';
import type { Config, ConfigInput } from '../../../src/config/schema';

export const ordersKind = {
  name: 'orders',
  element: 'order',
  syncOrder: 3,
  properties: {
    number: { type: 'string', required: true, maxLength: 20 },
    quantity: { type: 'integer' },
    total: { type: 'decimal' },
    paid: { type: 'boolean' },
    placedOn: { type: 'date' },
    placedAt: { type: 'datetime' },
    account: { type: 'reference', kind: 'accounts' },
    lines: {
      type: 'children',
      element: 'line',
      properties: {
        product: { type: 'string', required: true },
        qty: { type: 'integer' },
        price: { type: 'decimal' },
        shipped: { type: 'boolean' },
        due: { type: 'date' },
        at: { type: 'datetime' },
      },
    },
  },
};

export function testConfig(overrides: Partial<ConfigInput> = {}): Config {
  const apps = (demoConfig.applications ?? []).map((a) => ({ ...a, kinds: [...structuredClone(a.kinds), structuredClone(ordersKind)] }));
  return parseConfig(
    {
      server: { port: 0, publicBaseUrl: 'http://sdata.test', bodyLimitBytes: 200_000, defaultPageSize: 100, maxPageSize: 500 },
      log: { level: 'silent' },
      applications: apps,
      ...overrides,
    },
    {},
  );
}

export const CRM = 'http://sdata.test/sdata/crm/test/-';
export const ERP = 'http://sdata.test/sdata/erp/test/-';
export const SHOP = 'http://sdata.test/sdata/shop/test/-';

/** The test configuration with a third application `shop` (conflict priority 3), for three-endpoint tests. */
export function threeAppConfig(overrides: Partial<ConfigInput> = {}): Config {
  const base = testConfig(overrides);
  const erp = base.applications.find((a) => a.name === 'erp')!;
  return parseConfig({ ...structuredClone(base), applications: [...structuredClone(base.applications), { ...structuredClone(erp), name: 'shop', conflictPriority: 3, keys: { style: 'prefixed', prefix: 'S', width: 5 } }] } as ConfigInput, {});
}
