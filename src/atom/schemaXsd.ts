/**
 * `$schema` (PROTOCOL.md 3.1): the XSD of one kind (`GET {ep}/$schema`) or of every kind of an application
 * (`GET /sdata/{app}/{contract}/{dataset}/$schema`), in the contract's namespace. Reading the kinds back is
 * atom/schemaKinds.ts (the engine's side: it loads no XSD writer).
 *
 *   <xs:element name="account" type="account--type" sme:role="resourceKind" sme:pluralName="accounts"
 *     sme:isSyncSource="true" sme:isSyncTarget="true" sme:syncConflictPriority="1" sme:syncOrder="1"
 *     x:schemaVersion="v1-…"/>          the version of what its payloads carry (EXT, config/schemaVersion.ts)
 *   <xs:complexType name="account--type">  <xs:all> one element per property </xs:all>  sdata attributes
 *   <xs:complexType name="account--list">  the kind's elements in sequence (SData's feed-of-kind type)
 *
 * Property types: string xs:string (xs:maxLength when configured), integer xs:long, decimal xs:decimal,
 * boolean xs:boolean, date xs:date, datetime xs:dateTime. Required properties have minOccurs 1 and are not
 * nillable; the others are optional and nillable. A reference has type `{element}--reference` (an empty
 * element carrying `sdata:uuid`) and `sme:relationship="reference"`; a child list has type
 * `{element}--{property}--list` of rows `{element}--{property}--type` and `sme:relationship="child"`.
 *
 * Written with xmlbuilder2 (a DOM built with `create()`, serialised by `end()`), not with write.ts: an XSD
 * is a small document about namespaces (elements in xs, attributes in sme, QName values resolved against the
 * default namespace), which a namespace-aware DOM states as it is, each element and `sme:` attribute
 * created in its namespace. It is written once per request, never on the feed path. The prefixes are the
 * ones declared on the root (`xs`, `sme`, `sdata`, and `x` for the extension): SData clients read them literally.
 */
import { create } from 'xmlbuilder2';
import { PROTOCOL_FILTERS } from '../protocol/protocolFilters';
import type { ApplicationConfig, KindConfig, PropertyConfig, ScalarPropertyConfig } from '../config/schema';
import { kindSchemaVersion } from '../config/schemaVersion';
import type { ScalarType } from '../protocol/propertyValues';
import { NS } from './namespaces';

/** A kind as its schema shows it; an EndpointDef of the catalog fits as it is. */
export interface SchemaKindDef {
  kind: KindConfig;
  /** The endpoint's conflict priority (1..9). */
  priority: number;
}

/** An element of the document being built. */
type XsdNode = ReturnType<typeof create>;

/** Attributes in writing order; a name `sme:*` is in the sme namespace, `x:*` in the extension's, any other in none. */
type Attributes = Record<string, string | number | boolean>;

/** Where namespace declarations (`xmlns`, `xmlns:*`) live in a DOM. */
const XMLNS = 'http://www.w3.org/2000/xmlns/';

const XS_TYPES: Record<ScalarType, string> = {
  string: 'xs:string',
  integer: 'xs:long',
  decimal: 'xs:decimal',
  boolean: 'xs:boolean',
  date: 'xs:date',
  datetime: 'xs:dateTime',
};

/** Appends `<xs:{name}>` to `parent`, with its attributes in the order given; returns the new element. */
function xs(parent: XsdNode, name: string, attributes: Attributes = {}): XsdNode {
  const e = parent.ele(NS.xs, `xs:${name}`);
  for (const [qname, value] of Object.entries(attributes)) {
    if (qname.startsWith('sme:')) e.att(NS.sme, qname, String(value));
    else if (qname.startsWith('x:')) e.att(NS.x, qname, String(value));
    else e.att(qname, String(value));
  }
  return e;
}

/** Payload elements carry sdata:key, sdata:uuid, sdata:url, sdata:uri, sdata:isDeleted. */
function sdataAttributes(complexType: XsdNode): void {
  xs(complexType, 'anyAttribute', { namespace: NS.sdata, processContents: 'lax' });
}

function occurs(required: boolean): Attributes {
  return required ? { minOccurs: 1 } : { minOccurs: 0, nillable: true };
}

/** What a resource query may do with a kind's own property (core 2.12, 6.3): filter on it, sort by it. */
const QUERYABLE = { 'sme:canFilter': true, 'sme:canSort': true } as const;

function scalarElement(parent: XsdNode, name: string, def: ScalarPropertyConfig, queryable: Attributes = {}): void {
  const attrs = { name, ...occurs(def.required), ...queryable };
  if (def.maxLength === undefined) {
    xs(parent, 'element', { ...attrs, type: XS_TYPES[def.type] });
    return;
  }
  const restriction = xs(xs(xs(parent, 'element', attrs), 'simpleType'), 'restriction', { base: XS_TYPES[def.type] });
  xs(restriction, 'maxLength', { value: def.maxLength });
}

/** `<xs:complexType name>` holding `<xs:all>` (filled by `properties`) and the sdata attributes. */
function complexType(parent: XsdNode, name: string, properties: (all: XsdNode) => void): void {
  const type = xs(parent, 'complexType', { name });
  properties(xs(type, 'all'));
  sdataAttributes(type);
}

function listType(parent: XsdNode, name: string, element: string, type: string): void {
  xs(xs(xs(parent, 'complexType', { name }), 'sequence'), 'element', { name: element, type, minOccurs: 0, maxOccurs: 'unbounded' });
}

type ChildrenPropertyConfig = Extract<PropertyConfig, { type: 'children' }>;

/** The type definitions a kind needs; adds the element types its references point at to `referenced`. */
function kindTypes(schema: XsdNode, kind: KindConfig, app: ApplicationConfig, referenced: Set<string>): void {
  const childLists: [string, ChildrenPropertyConfig][] = [];
  const propertyElement = (all: XsdNode, name: string, def: PropertyConfig): void => {
    if (def.type === 'reference') {
      const target = app.kinds.find((k) => k.name === def.kind)?.element ?? def.kind;
      referenced.add(target);
      xs(all, 'element', { name, type: `${target}--reference`, ...occurs(def.required), 'sme:relationship': 'reference', 'sme:canFilter': true });
    } else if (def.type === 'children') {
      childLists.push([name, def]);
      xs(all, 'element', { name, type: `${kind.element}--${name}--list`, ...occurs(false), 'sme:relationship': 'child' });
    } else scalarElement(all, name, def, QUERYABLE);
  };
  complexType(schema, `${kind.element}--type`, (all) => {
    for (const [name, def] of Object.entries(kind.properties)) propertyElement(all, name, def);
  });
  listType(schema, `${kind.element}--list`, kind.element, `${kind.element}--type`);
  for (const [name, def] of childLists) {
    const prefix = `${kind.element}--${name}`;
    listType(schema, `${prefix}--list`, def.element, `${prefix}--type`);
    complexType(schema, `${prefix}--type`, (all) => {
      for (const [n, d] of Object.entries(def.properties)) scalarElement(all, n, d);
    });
  }
}

function kindElement(schema: XsdNode, def: SchemaKindDef): void {
  const { kind } = def;
  xs(schema, 'element', {
    name: kind.element,
    type: `${kind.element}--type`,
    'sme:role': 'resourceKind',
    'sme:pluralName': kind.name,
    'sme:isSyncSource': kind.isSyncSource,
    'sme:isSyncTarget': kind.isSyncTarget,
    'sme:syncConflictPriority': def.priority,
    'sme:syncOrder': kind.syncOrder,
    'sme:protocolFilters': PROTOCOL_FILTERS.join(','),
    'x:schemaVersion': kindSchemaVersion(kind),
  });
}

/** The XSD of the given kinds of an application (one kind for `{ep}/$schema`, all for the application's). */
export function schemaDocument(app: ApplicationConfig, defs: SchemaKindDef[]): string {
  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  const schema = doc
    .ele(NS.xs, 'xs:schema')
    .att(XMLNS, 'xmlns:xs', NS.xs)
    .att(XMLNS, 'xmlns:sme', NS.sme)
    .att(XMLNS, 'xmlns:sdata', NS.sdata)
    .att(XMLNS, 'xmlns:x', NS.x)
    .att(XMLNS, 'xmlns', app.namespace)
    .att('targetNamespace', app.namespace)
    .att('elementFormDefault', 'qualified');
  for (const def of defs) kindElement(schema, def);
  const referenced = new Set<string>();
  for (const def of defs) kindTypes(schema, def.kind, app, referenced);
  for (const target of referenced) sdataAttributes(xs(schema, 'complexType', { name: `${target}--reference` }));
  return doc.end();
}
