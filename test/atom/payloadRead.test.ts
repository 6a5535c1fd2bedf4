import { readPayload, readPayloadValues } from '../../src/atom/payloadRead';
import { NS } from '../../src/atom/namespaces';
import { SDataError } from '../../src/protocol/diagnosis';
import { accounts, crm, ordersKind, payloadXml, UUID_A } from './fixtures';

function diagnosesOf(body: string, kind = ordersKind) {
  return readPayloadValues(payloadXml(body), kind, crm).diagnoses.map((d) => [d.applicationCode, d.payloadPath]);
}

const order = (inner: string, attrs = '') => `<order xmlns="${crm.namespace}"${attrs}>${inner}</order>`;

describe('readPayload', () => {
  it.each([
    ['the contract namespace', crm.namespace],
    ['the dynamic namespace of Sage clients', NS.dynamic],
    ['no namespace', ''],
  ])('accepts the payload element in %s', (_label, ns) => {
    const e = payloadXml(`<account xmlns="${ns}" sdata:key="K"><name>ACME</name><balance>1.5</balance></account>`);
    expect(readPayload(e, accounts, crm)).toEqual({ key: 'K', deleted: false, values: { name: 'ACME', balance: '1.5' } });
  });

  it('accepts unprefixed property elements under a prefixed payload element', () => {
    const e = payloadXml(`<d:account xmlns:d="${NS.dynamic}"><name>ACME</name></d:account>`);
    expect(readPayload(e, accounts, crm).values).toEqual({ name: 'ACME' });
  });

  it('refuses a payload element of another name or namespace', () => {
    expect(diagnosesOf(`<contact xmlns="${crm.namespace}"/>`, accounts)).toEqual([['UnknownElement', 'contact']]);
    expect(diagnosesOf(`<account xmlns="urn:other"><name>x</name></account>`, accounts)).toEqual([['UnknownElement', 'account']]);
  });

  it.each([
    ['quantity', '1.5'],
    ['quantity', '99999999999999999999'],
    ['quantity', 'ten'],
    ['amount', '1e3'],
    ['amount', '.'],
    ['amount', '1,5'],
    ['paid', 'yes'],
    ['orderedOn', '2023-02-29'],
    ['orderedOn', '2024-1-5'],
    ['shippedAt', '2024-02-30T10:00:00Z'],
    ['shippedAt', '2024-01-01T24:00:00Z'],
    ['shippedAt', 'yesterday'],
  ])('refuses %s = %p with InvalidValue at order/%s', (name, text) => {
    expect(diagnosesOf(order(`<number>N</number><${name}>${text}</${name}>`))).toEqual([['InvalidValue', `order/${name}`]]);
  });

  it.each([
    ['decimal', 'amount', '+007.50', '7.50'],
    ['decimal', 'amount', '.5', '0.5'],
    ['decimal', 'amount', '-0.00', '0.00'],
    ['decimal', 'amount', '5.', '5'],
    ['integer', 'quantity', ' +12 ', 12],
    ['boolean', 'paid', '1', true],
    ['boolean', 'paid', '0', false],
    ['date', 'orderedOn', '2024-03-01Z', '2024-03-01'],
    ['datetime', 'shippedAt', '2024-03-01T10:00:00+02:00', '2024-03-01T08:00:00.000Z'],
    ['datetime', 'shippedAt', '2024-03-01T10:00', '2024-03-01T10:00:00.000Z'],
    ['datetime', 'shippedAt', '2024-03-01T10:00:00.123456Z', '2024-03-01T10:00:00.123Z'],
    ['empty integer', 'quantity', '', null],
    ['empty date', 'orderedOn', ' ', null],
  ])('normalises %s %s %p to %p', (_label, name, text, value) => {
    expect(readPayload(payloadXml(order(`<number>N</number><${name}>${text}</${name}>`)), ordersKind, crm).values[name]).toEqual(value);
  });

  it('reads xsi:nil as null for strings, references and children', () => {
    const e = payloadXml(order('<number>N</number><customer xsi:nil="true"/><lines xsi:nil="true"/>'));
    expect(readPayload(e, ordersKind, crm).values).toEqual({ number: 'N', customer: null, lines: [] });
    expect(readPayload(payloadXml(`<account xmlns=""><name>A</name><email xsi:nil="true"/></account>`), accounts, crm).values.email).toBeNull();
  });

  it('reports every problem with its payloadPath, not only the first', () => {
    const body = order(
      '<quantity>x</quantity><colour>red</colour><paid>true</paid><paid>false</paid>' +
        '<customer sdata:uuid="not-a-uuid"/>' +
        `<lines><line sdata:uuid="${UUID_A}"><product>P</product></line><line><qty>2.5</qty></line><item/></lines>`,
    );
    expect(diagnosesOf(body)).toEqual([
      ['InvalidValue', 'order/quantity'],
      ['UnknownProperty', 'order/colour'],
      ['DuplicateProperty', 'order/paid'],
      ['InvalidValue', 'order/customer/@sdata:uuid'],
      ['InvalidValue', 'order/lines/line[2]/qty'],
      ['RequiredMissing', 'order/lines/line[2]/product'],
      ['UnknownProperty', 'order/lines/item'],
      ['RequiredMissing', 'order/number'],
    ]);
  });

  it('throws one 400 SDataError listing every diagnosis', () => {
    try {
      readPayload(payloadXml(order('<quantity>x</quantity>')), ordersKind, crm);
      throw new Error('expected a failure');
    } catch (err) {
      expect(err).toBeInstanceOf(SDataError);
      const e = err as SDataError;
      expect(e.status).toBe(400);
      expect(e.diagnoses).toEqual([
        { severity: 'Error', sdataCode: 'BadRequest', applicationCode: 'InvalidValue', message: expect.stringContaining("'x'"), payloadPath: 'order/quantity' },
        { severity: 'Error', sdataCode: 'BadRequest', applicationCode: 'RequiredMissing', message: '<number> is required', payloadPath: 'order/number' },
      ]);
    }
  });

  it('checks required properties only on full payloads, and counts null as missing', () => {
    expect(diagnosesOf(order('<number xsi:nil="true"/>'))).toEqual([['RequiredMissing', 'order/number']]);
    expect(readPayloadValues(payloadXml(order('<paid>true</paid>')), ordersKind, crm, { partial: true }).diagnoses).toEqual([]);
  });

  it('checks maxLength of strings', () => {
    expect(diagnosesOf(order('<number>12345678901</number>'))).toEqual([['InvalidValue', 'order/number']]);
  });

  it('refuses property elements in a foreign namespace and elements inside scalars', () => {
    expect(diagnosesOf(order('<number>N</number><x:paid xmlns:x="urn:x">true</x:paid>'))).toEqual([['UnknownProperty', 'order/paid']]);
    expect(diagnosesOf(order('<number><b>N</b></number>'))).toEqual([['InvalidValue', 'order/number']]);
  });

  it('reads references by UUID only, lower-cased', () => {
    const e = payloadXml(order(`<number>N</number><customer sdata:uuid="${UUID_A.toUpperCase()}"/>`));
    expect(readPayload(e, ordersKind, crm).values.customer).toEqual({ uuid: UUID_A });
    expect(diagnosesOf(order('<number>N</number><customer>ACME</customer>'))).toEqual([['InvalidValue', 'order/customer']]);
    expect(readPayload(payloadXml(order('<number>N</number><customer/>')), ordersKind, crm).values.customer).toBeNull();
  });

  it('validates the resource UUID', () => {
    expect(diagnosesOf(order('<number>N</number>', ' sdata:uuid="123"'))).toEqual([['InvalidValue', 'order/@sdata:uuid']]);
  });

  it('drops deleted children, gives rows without a UUID a new one and refuses duplicate child UUIDs', () => {
    const read = readPayload(
      payloadXml(order(`<number>N</number><lines><line sdata:uuid="${UUID_A}" sdata:isDeleted="true"/><line><product>P</product></line></lines>`)),
      ordersKind,
      crm,
    );
    const lines = read.values.lines as { uuid: string; values: object }[];
    expect(lines).toHaveLength(1);
    expect(lines[0].uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines[0].values).toEqual({ product: 'P' });
    const dup = `<line sdata:uuid="${UUID_A}"><product>P</product></line>`;
    expect(diagnosesOf(order(`<number>N</number><lines>${dup}${dup}</lines>`))).toEqual([['InvalidValue', 'order/lines/line[2]/@sdata:uuid']]);
  });

  it('reads a deleted resource as deleted with no values', () => {
    const e = payloadXml(`<account xmlns="${NS.dynamic}" sdata:uuid="${UUID_A}" sdata:isDeleted="true"/>`);
    expect(readPayload(e, accounts, crm)).toEqual({ uuid: UUID_A, deleted: true, values: {} });
  });

  it('leaves out, with one IgnoredProperty warning, property elements a sync target does not know (PROTOCOL.md 2.7)', () => {
    const body = order(`<number>N1</number><vatNumber>BE1</vatNumber><x:note xmlns:x="urn:x">n</x:note><lines><line sdata:uuid="${UUID_A}"><product>P</product><colour>red</colour></line></lines>`);
    const strict = readPayloadValues(payloadXml(body), ordersKind, crm);
    expect(strict.diagnoses.map((d) => d.applicationCode)).toEqual(['UnknownProperty', 'UnknownProperty', 'UnknownProperty']);
    const tolerant = readPayloadValues(payloadXml(body), ordersKind, crm, { leaveOutUnknown: true });
    expect(tolerant.diagnoses).toEqual([]);
    expect(tolerant.payload.values).toEqual({ number: 'N1', lines: [{ uuid: UUID_A, values: { product: 'P' } }] });
    expect(tolerant.warnings).toEqual([
      expect.objectContaining({ severity: 'Warning', applicationCode: 'IgnoredProperty', payloadPath: 'order/vatNumber', message: expect.stringContaining('order/vatNumber, order/note, order/lines/line[1]/colour') }),
    ]);
    // A known property that is wrong is still a problem.
    expect(readPayloadValues(payloadXml(order('<number>N1</number><quantity>ten</quantity><vatNumber>BE1</vatNumber>')), ordersKind, crm, { leaveOutUnknown: true }).diagnoses.map((d) => d.applicationCode)).toEqual(['InvalidValue']);
  });
});
