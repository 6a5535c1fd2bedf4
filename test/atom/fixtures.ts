/** Configurations and helpers shared by the atom tests: the demo applications plus an `orders` kind that uses every property type. */
import { parseConfig } from '../../src/config/load';
import { demoConfig } from '../../src/config/demo';
import type { ApplicationConfig, KindConfig } from '../../src/config/schema';
import { NS, ROOT_NAMESPACE_ATTRS } from '../../src/atom/namespaces';
import { parseXml, type XmlElement } from '../../src/atom/xml';

const orders = {
  name: 'orders',
  element: 'order',
  syncOrder: 3,
  isSyncTarget: false,
  conflictPriority: 3,
  properties: {
    number: { type: 'string', required: true, maxLength: 10 },
    quantity: { type: 'integer' },
    amount: { type: 'decimal' },
    paid: { type: 'boolean' },
    orderedOn: { type: 'date' },
    shippedAt: { type: 'datetime' },
    customer: { type: 'reference', kind: 'accounts' },
    lines: {
      type: 'children',
      element: 'line',
      properties: { product: { type: 'string', required: true }, qty: { type: 'integer' }, price: { type: 'decimal' } },
    },
  },
};

const input = structuredClone(demoConfig);
input.applications![0].kinds = [...input.applications![0].kinds, orders] as never;

export const config = parseConfig(input, {});
export const crm: ApplicationConfig = config.applications[0];
const kindOf = (app: ApplicationConfig, name: string): KindConfig => app.kinds.find((k) => k.name === name)!;
export const accounts = kindOf(crm, 'accounts');
export const contacts = kindOf(crm, 'contacts');
export const ordersKind = kindOf(crm, 'orders');
export const EP = 'http://localhost:3000/sdata/crm/test/-';

export const UUID_A = '6f1c2d3e-4a5b-4c6d-8e7f-0123456789ab';
export const UUID_B = '11111111-2222-4333-8444-555555555555';

/** The namespace declarations of a root element, as an attribute string. */
export const ROOT_XMLNS = Object.entries(ROOT_NAMESPACE_ATTRS)
  .map(([k, v]) => `${k}="${v}"`)
  .join(' ');

/** Parses a payload element written with the sdata and xsi prefixes declared. */
export function payloadXml(body: string): XmlElement {
  return parseXml(`<sdata:payload xmlns:sdata="${NS.sdata}" xmlns:xsi="${NS.xsi}">${body}</sdata:payload>`).children[0];
}
