import { readPayload } from '../../src/atom/payloadRead';
import { payloadNode } from '../../src/atom/payloadWrite';
import { NS, ROOT_NAMESPACE_ATTRS } from '../../src/atom/namespaces';
import { el, renderXml } from '../../src/atom/write';
import { attr, child, parseXml, type XmlElement } from '../../src/atom/xml';
import type { ResourceValues } from '../../src/protocol/propertyValues';
import { accounts, contacts, crm, EP, ordersKind, UUID_A, UUID_B } from './fixtures';

const url = `${EP}/orders('O1')`;

/** Writes a payload inside an entry (as every document does) and returns the parsed payload element. */
function written(values: ResourceValues, kind = ordersKind, extra: { uuid?: string; deleted?: boolean } = {}): XmlElement {
  const xml = renderXml(el('entry', ROOT_NAMESPACE_ATTRS, el('sdata:payload', {}, payloadNode({ key: 'O1', url, values, ...extra }, kind, crm))));
  return child(parseXml(xml), NS.sdata, 'payload')!.children[0];
}

describe('payload round trips', () => {
  const full: ResourceValues = {
    number: 'O-1 <&>',
    quantity: -42,
    amount: '12.50',
    paid: false,
    orderedOn: '2024-02-29',
    shippedAt: '2026-11-22T12:00:00.000Z',
    customer: { uuid: UUID_A },
    lines: [
      { uuid: UUID_B, values: { product: 'Widget', qty: 3, price: '0.10' } },
      { uuid: '22222222-2222-4333-8444-555555555555', values: { product: '  spaced  ', qty: null } },
    ],
  };

  it('keeps every property type, references and children', () => {
    const read = readPayload(written(full, ordersKind, { uuid: UUID_A }), ordersKind, crm);
    expect(read).toEqual({ key: 'O1', uuid: UUID_A, deleted: false, values: full });
  });

  it.each([
    ['integer', 'quantity', 0],
    ['integer', 'quantity', Number.MAX_SAFE_INTEGER],
    ['decimal', 'amount', '-0.001'],
    ['decimal', 'amount', '100'],
    ['boolean', 'paid', true],
    ['string', 'number', ''],
    ['string', 'number', 'é ü ✓'],
    ['null integer', 'quantity', null],
    ['null decimal', 'amount', null],
    ['null boolean', 'paid', null],
    ['null date', 'orderedOn', null],
    ['null datetime', 'shippedAt', null],
    ['null reference', 'customer', null],
  ])('round-trips %s %s = %p', (_label, name, value) => {
    const values = { number: 'N', [name]: value } as ResourceValues;
    expect(readPayload(written(values), ordersKind, crm).values).toEqual(values);
  });

  it('keeps a null string apart from an empty one', () => {
    expect(readPayload(written({ name: 'A', email: null }, accounts), accounts, crm).values).toEqual({ name: 'A', email: null });
    expect(readPayload(written({ name: 'A', email: '' }, accounts), accounts, crm).values).toEqual({ name: 'A', email: '' });
  });

  it('writes an empty child list and reads it back', () => {
    expect(readPayload(written({ number: 'N', lines: [] }), ordersKind, crm).values).toEqual({ number: 'N', lines: [] });
  });

  it('writes a deleted resource with sdata:isDeleted and no properties', () => {
    const e = written({ number: 'N' }, ordersKind, { uuid: UUID_A, deleted: true });
    expect(attr(e, NS.sdata, 'isDeleted')).toBe('true');
    expect(e.children).toEqual([]);
    expect(readPayload(e, ordersKind, crm)).toEqual({ key: 'O1', uuid: UUID_A, deleted: true, values: {} });
  });
});

describe('payloadNode output', () => {
  it('writes sdata:key, uuid, url and uri, the contract namespace and properties in config order', () => {
    const xml = renderXml(
      el('entry', ROOT_NAMESPACE_ATTRS, el('sdata:payload', {}, payloadNode({ key: 'A1', uuid: UUID_A, url: `${EP}/accounts('A1')`, values: { openedOn: '2024-01-02', name: 'ACME', active: true } }, accounts, crm))),
    );
    expect(xml).toContain(
      `<account sdata:key="A1" sdata:uuid="${UUID_A}" sdata:url="${EP}/accounts(&apos;A1&apos;)" sdata:uri="${EP}/accounts(&apos;A1&apos;)" xmlns="urn:sdata-sync:demo"><name>ACME</name><active>true</active><openedOn>2024-01-02</openedOn></account>`,
    );
  });

  it('leaves sdata:uuid out when the resource has none, and writes references by UUID and nulls as xsi:nil', () => {
    const xml = renderXml(el('x', ROOT_NAMESPACE_ATTRS, payloadNode({ key: 'C1', url: 'u', values: { firstName: null, account: { uuid: UUID_A } } }, contacts, crm)));
    expect(xml).not.toContain('sdata:uuid="' + UUID_B);
    expect(xml).toContain(`<contact sdata:key="C1" sdata:url="u" sdata:uri="u" xmlns="urn:sdata-sync:demo"><firstName xsi:nil="true"/><account sdata:uuid="${UUID_A}"/></contact>`);
  });

  it('writes children rows with their UUIDs', () => {
    const xml = renderXml(el('x', ROOT_NAMESPACE_ATTRS, payloadNode({ key: 'O1', url: 'u', values: { lines: [{ uuid: UUID_B, values: { qty: 2, product: 'P' } }] } }, ordersKind, crm)));
    expect(xml).toContain(`<lines><line sdata:uuid="${UUID_B}"><product>P</product><qty>2</qty></line></lines>`);
  });
});
