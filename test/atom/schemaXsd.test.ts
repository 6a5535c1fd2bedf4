import { NS } from '../../src/atom/namespaces';
import { schemaDocument } from '../../src/atom/schemaXsd';
import { parseSchemaKinds } from '../../src/atom/schemaKinds';
import { attr, child, childrenNamed, parseXml, type XmlElement } from '../../src/atom/xml';
import { endpointDefs } from '../../src/config/catalog';
import { kindSchemaVersion } from '../../src/config/schemaVersion';
import { SDataError } from '../../src/protocol/diagnosis';
import { config, crm } from './fixtures';

const defs = endpointDefs(config).filter((d) => d.app === crm);
const schema = parseXml(schemaDocument(crm, defs));
const named = (parent: XmlElement, kind: string, name: string) => childrenNamed(parent, NS.xs, kind).find((e) => attr(e, '', 'name') === name)!;
const properties = (typeName: string) => Object.fromEntries(childrenNamed(child(named(schema, 'complexType', typeName), NS.xs, 'all'), NS.xs, 'element').map((e) => [attr(e, '', 'name'), e]));
const attrsOf = (e: XmlElement) => Object.fromEntries(e.attrs.filter((a) => a.ns === '' || a.ns === NS.sme).map((a) => [a.ns ? `sme:${a.name}` : a.name, a.value]));

describe('schemaDocument', () => {
  it('is an xs:schema in the contract namespace with the sme prefix', () => {
    expect([schema.ns, schema.name, schema.prefix]).toEqual([NS.xs, 'schema', 'xs']);
    expect(attr(schema, '', 'targetNamespace')).toBe(crm.namespace);
    expect(attr(schema, '', 'elementFormDefault')).toBe('qualified');
  });

  it('writes the prefixes xs, sme, sdata and x as SData clients read them, declared on the root only', () => {
    const text = schemaDocument(crm, defs);
    const root = `<?xml version="1.0" encoding="UTF-8"?><xs:schema xmlns:xs="${NS.xs}" xmlns:sme="${NS.sme}" xmlns:sdata="${NS.sdata}" xmlns:x="${NS.x}" xmlns="${crm.namespace}" targetNamespace="${crm.namespace}" elementFormDefault="qualified">`;
    expect(text.startsWith(root)).toBe(true);
    expect(text.match(/xmlns/g)).toHaveLength(5);
    expect(new Set([...text.matchAll(/<\/?([\w-]+):/g)].map((m) => m[1]))).toEqual(new Set(['xs']));
    expect(new Set([...text.matchAll(/\s([\w-]+):[\w-]+="/g)].map((m) => m[1]))).toEqual(new Set(['xmlns', 'sme', 'x']));
  });

  it("gives every kind element its schema version (EXT), the hash of what its payloads carry", () => {
    const account = named(schema, 'element', 'account');
    expect(attr(account, NS.x, 'schemaVersion')).toBe(kindSchemaVersion(defs[0].kind));
    expect(attr(account, NS.x, 'schemaVersion')).toMatch(/^v1-[0-9a-f]{16}$/);
  });

  it('declares every kind element with the sme sync attributes', () => {
    expect(attrsOf(named(schema, 'element', 'account'))).toEqual({
      name: 'account',
      type: 'account--type',
      'sme:role': 'resourceKind',
      'sme:pluralName': 'accounts',
      'sme:isSyncSource': 'true',
      'sme:isSyncTarget': 'true',
      'sme:syncConflictPriority': '1',
      'sme:syncOrder': '1',
      'sme:protocolFilters': '$key,$uuid',
    });
    expect(attrsOf(named(schema, 'element', 'order'))).toMatchObject({ 'sme:isSyncTarget': 'false', 'sme:syncConflictPriority': '3', 'sme:syncOrder': '3' });
  });

  it('gives each property type its xs type, required ones minOccurs 1, others optional and nillable', () => {
    const order = properties('order--type');
    expect(Object.keys(order)).toEqual(['number', 'quantity', 'amount', 'paid', 'orderedOn', 'shippedAt', 'customer', 'lines']);
    expect(['quantity', 'amount', 'paid', 'orderedOn', 'shippedAt'].map((p) => attr(order[p], '', 'type'))).toEqual(['xs:long', 'xs:decimal', 'xs:boolean', 'xs:date', 'xs:dateTime']);
    expect(attrsOf(order.quantity)).toEqual({ name: 'quantity', type: 'xs:long', minOccurs: '0', nillable: 'true', 'sme:canFilter': 'true', 'sme:canSort': 'true' });
    expect(attrsOf(order.number)).toEqual({ name: 'number', minOccurs: '1', 'sme:canFilter': 'true', 'sme:canSort': 'true' });
    const restriction = child(child(order.number, NS.xs, 'simpleType'), NS.xs, 'restriction')!;
    expect([attr(restriction, '', 'base'), attr(child(restriction, NS.xs, 'maxLength'), '', 'value')]).toEqual(['xs:string', '10']);
    expect(attr(properties('account--type').email, '', 'type')).toBe('xs:string');
  });

  it('flags every scalar property of a kind sortable and filterable (references filterable), and names the protocol filters', () => {
    for (const type of ['order--type', 'account--type', 'contact--type']) {
      for (const [name, e] of Object.entries(properties(type)) as [string, XmlElement][]) {
        const a = attrsOf(e);
        if (a['sme:relationship'] === 'child') expect([name, a['sme:canSort'], a['sme:canFilter']]).toEqual([name, undefined, undefined]);
        else if (a['sme:relationship'] === 'reference') expect([name, a['sme:canSort'], a['sme:canFilter']]).toEqual([name, undefined, 'true']);
        else expect([name, a['sme:canSort'], a['sme:canFilter']]).toEqual([name, 'true', 'true']);
      }
    }
    expect((Object.values(properties('order--lines--type')) as XmlElement[]).map((e) => attrsOf(e)['sme:canSort'])).toEqual([undefined, undefined, undefined]);
    expect(attrsOf(named(schema, 'element', 'order'))['sme:protocolFilters']).toBe('$key,$uuid');
  });

  it('types references and child lists', () => {
    const order = properties('order--type');
    expect(attrsOf(order.customer)).toEqual({ name: 'customer', type: 'account--reference', minOccurs: '0', nillable: 'true', 'sme:relationship': 'reference', 'sme:canFilter': 'true' });
    expect(attrsOf(properties('contact--type').account)).toMatchObject({ type: 'account--reference' });
    expect(attr(child(named(schema, 'complexType', 'account--reference'), NS.xs, 'anyAttribute'), '', 'namespace')).toBe(NS.sdata);
    expect(attrsOf(order.lines)).toMatchObject({ type: 'order--lines--list', 'sme:relationship': 'child' });
    const row = child(child(named(schema, 'complexType', 'order--lines--list'), NS.xs, 'sequence'), NS.xs, 'element')!;
    expect(attrsOf(row)).toEqual({ name: 'line', type: 'order--lines--type', minOccurs: '0', maxOccurs: 'unbounded' });
    expect(Object.keys(properties('order--lines--type'))).toEqual(['product', 'qty', 'price']);
  });

  it('writes one kind alone for {ep}/$schema, with the types its references need', () => {
    const one = parseXml(schemaDocument(crm, [defs.find((d) => d.kind.name === 'contacts')!]));
    expect(childrenNamed(one, NS.xs, 'element').map((e) => attr(e, '', 'name'))).toEqual(['contact']);
    expect(childrenNamed(one, NS.xs, 'complexType').map((e) => attr(e, '', 'name'))).toEqual(['contact--type', 'contact--list', 'account--reference']);
  });
});

describe('parseSchemaKinds', () => {
  it('reads the kinds back with their sync flags, order and priority', () => {
    expect(parseSchemaKinds(schema)).toEqual([
      { name: 'accounts', element: 'account', syncOrder: 1, isSyncSource: true, isSyncTarget: true, priority: 1, schemaVersion: kindSchemaVersion(defs[0].kind) },
      { name: 'contacts', element: 'contact', syncOrder: 2, isSyncSource: true, isSyncTarget: true, priority: 1, schemaVersion: kindSchemaVersion(defs[1].kind) },
      { name: 'orders', element: 'order', syncOrder: 3, isSyncSource: true, isSyncTarget: false, priority: 3, schemaVersion: kindSchemaVersion(defs[2].kind) },
    ]);
  });

  it('reads schemas of other providers: any prefixes, role left out, flags absent', () => {
    const xml = `<s:schema xmlns:s="${NS.xs}" xmlns:m="${NS.sme}"><s:element name="item" m:pluralName="items" m:isSyncSource="1"/><s:element name="notAKind"/></s:schema>`;
    expect(parseSchemaKinds(parseXml(xml))).toEqual([{ name: 'items', element: 'item', syncOrder: 0, isSyncSource: true, isSyncTarget: false }]);
  });

  it('refuses what is not a schema and values that are not integers or booleans', () => {
    expect(() => parseSchemaKinds(parseXml(`<feed xmlns="${NS.atom}"/>`))).toThrow(SDataError);
    const bad = (a: string) => () => parseSchemaKinds(parseXml(`<xs:schema xmlns:xs="${NS.xs}" xmlns:sme="${NS.sme}"><xs:element name="a" sme:role="resourceKind" ${a}/></xs:schema>`));
    expect(bad('sme:syncOrder="first"')).toThrow("sme:syncOrder 'first' is not an integer");
    expect(bad('sme:isSyncTarget="yes"')).toThrow("sme:isSyncTarget 'yes' is not a boolean");
  });
});
