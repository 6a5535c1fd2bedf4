/**
 * `GET {ep}/$template` (SData core 2.6) on the wire: a new resource's defaults, configured ones in their
 * canonical form and the per-type defaults otherwise (atom/templateXml.ts), in Atom and in JSON; the
 * template filled in is a valid create; a configured default that does not fit its type stops the start.
 */
import { describeEachDatabase } from '../support/databases';
import { asText, openTestApp, xmlOf, type TestApp } from './support/app';
import { ordersKind } from './support/testConfig';
import { parseConfig } from '../../src/config/load';
import { demoConfig } from '../../src/config/demo';
import { prepareRuntime } from '../../src/endpoint/server';
import { NS } from '../../src/atom/namespaces';
import { attr, child } from '../../src/atom/xml';

const withDefaults = structuredClone(ordersKind) as typeof ordersKind & { properties: Record<string, Record<string, unknown>> };
Object.assign(withDefaults.properties.quantity, { default: 1 });
Object.assign(withDefaults.properties.total, { default: 12.5 });
Object.assign(withDefaults.properties.paid, { default: true });
Object.assign(withDefaults.properties.placedOn, { default: '2026-01-02Z' });

function configWith(orders: unknown) {
  const apps = structuredClone(demoConfig.applications ?? []).map((a) => ({ ...a, kinds: [...a.kinds, orders] }));
  return parseConfig({ server: { port: 0, publicBaseUrl: 'http://sdata.test' }, log: { level: 'silent' }, applications: apps }, {});
}

describeEachDatabase('$template', (tdb) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp(tdb, configWith(withDefaults));
  });

  it('answers an entry with the configured defaults, canonical, and the per-type defaults, without key, UUID or ETag', async () => {
    const res = await asText(t.http().get('/sdata/crm/test/-/orders/$template'));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/atom\+xml; type=entry/);
    expect(res.headers.etag).toBeUndefined();
    const order = child(child(xmlOf(res), NS.sdata, 'payload'), 'urn:sdata-sync:demo', 'order')!;
    expect(attr(order, NS.sdata, 'key')).toBeUndefined();
    expect(attr(order, NS.sdata, 'uuid')).toBeUndefined();
    const values = Object.fromEntries(order.children.map((c) => [c.name, attr(c, NS.xsi, 'nil') === 'true' ? null : c.text]));
    expect(values).toEqual({ number: '', quantity: '1', total: '12.5', paid: 'true', placedOn: '2026-01-02', placedAt: null, account: null, lines: '' });
  });

  it('answers the same defaults in SData JSON', async () => {
    const res = await t.http().get('/sdata/crm/test/-/orders/$template?format=json');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      $url: 'http://sdata.test/sdata/crm/test/-/orders/$template',
      $descriptor: 'Template of orders',
      $name: 'order',
      number: '',
      quantity: 1,
      total: '12.5',
      paid: true,
      placedOn: '2026-01-02',
      placedAt: null,
      account: null,
      lines: { $resources: [] },
    });
    const accounts = await t.http().get('/sdata/erp/test/-/accounts/$template').set('Accept', 'application/json');
    expect(accounts.body).toMatchObject({ name: '', email: '', balance: null, active: false, openedOn: null });
  });

  it('is a valid create once the required values are filled in', async () => {
    const res = await asText(t.http().get('/sdata/crm/test/-/orders/$template'));
    const filled = (res.body as string).replace('<number/>', '<number>N-1</number>');
    const created = await asText(t.http().post('/sdata/crm/test/-/orders').set('Content-Type', 'application/atom+xml;type=entry').send(filled));
    expect(created.status).toBe(201);
    const stored = await t.db('resources').where({ endpoint_id: t.endpointId('http://sdata.test/sdata/crm/test/-/orders') }).first();
    expect(stored.payload).toMatchObject({ number: 'N-1', quantity: 1, total: '12.5', paid: true, placedOn: '2026-01-02', lines: [] });
  });

  it('refuses to start with a default that does not fit its type, naming the kind and property', async () => {
    const bad = structuredClone(ordersKind) as typeof ordersKind & { properties: Record<string, Record<string, unknown>> };
    Object.assign(bad.properties.quantity, { default: 'many' });
    const db = await tdb.open();
    await expect(prepareRuntime(configWith(bad), { db })).rejects.toThrow(/orders: .*'many' is not valid for <quantity>/);
  });

  it('is only read (405 for POST) and takes no unknown parameter', async () => {
    expect((await t.http().post('/sdata/crm/test/-/orders/$template').send('')).status).toBe(405);
    expect((await t.http().get('/sdata/crm/test/-/orders/$template?count=1')).status).toBe(400);
  });
});
