/**
 * `$schema` (PROTOCOL.md 3.1): the XSD of one kind (`GET {ep}/$schema`) or of every kind of an application
 * (`GET /sdata/{app}/{contract}/{dataset}/$schema`), in the contract's namespace, and reading the kinds back
 * (the engine takes the kinds to sync, and their order, from an application's schema).
 *
 *   <xs:element name="account" type="account--type" sme:role="resourceKind" sme:pluralName="accounts"
 *     sme:isSyncSource="true" sme:isSyncTarget="true" sme:syncConflictPriority="1" sme:syncOrder="1"/>
 *   <xs:complexType name="account--type">  <xs:all> one element per property </xs:all>  sdata attributes
 *   <xs:complexType name="account--list">  the kind's elements in sequence (SData's feed-of-kind type)
 *
 * Property types: string xs:string (xs:maxLength when configured), integer xs:long, decimal xs:decimal,
 * boolean xs:boolean, date xs:date, datetime xs:dateTime. Required properties have minOccurs 1 and are not
 * nillable; the others are optional and nillable. A reference has type `{element}--reference` (an empty
 * element carrying `sdata:uuid`) and `sme:relationship="reference"`; a child list has type
 * `{element}--{property}--list` of rows `{element}--{property}--type` and `sme:relationship="child"`.
 *
 * Written with write.ts like every other document of atom/ (one way of writing XML).
 */
import { PROTOCOL_FILTERS } from '../protocol/protocolFilters';
import type { ApplicationConfig, KindConfig, PropertyConfig, ScalarPropertyConfig, ScalarType } from '../config/schema';
import { badRequest } from '../protocol/diagnosis';
import { NS } from './namespaces';
import { el, renderXml, type XNode } from './write';
import { attr, childrenNamed, type XmlElement } from './xml';

/** A kind as its schema shows it; an EndpointDef of the catalog fits as it is. */
export interface SchemaKindDef {
  kind: KindConfig;
  /** The endpoint's conflict priority (1..9). */
  priority: number;
}

const XS_TYPES: Record<ScalarType, string> = {
  string: 'xs:string',
  integer: 'xs:long',
  decimal: 'xs:decimal',
  boolean: 'xs:boolean',
  date: 'xs:date',
  datetime: 'xs:dateTime',
};

/** Payload elements carry sdata:key, sdata:uuid, sdata:url, sdata:uri, sdata:isDeleted. */
const SDATA_ATTRIBUTES = el('xs:anyAttribute', { namespace: NS.sdata, processContents: 'lax' });

function occurs(required: boolean): XNode['attrs'] {
  return required ? { minOccurs: 1 } : { minOccurs: 0, nillable: true };
}

/** What a resource query may do with a kind's own property (core 2.12, 6.3): filter on it, sort by it. */
const QUERYABLE = { 'sme:canFilter': true, 'sme:canSort': true } as const;

function scalarElement(name: string, def: ScalarPropertyConfig, queryable: XNode['attrs'] = {}): XNode {
  const attrs = { name, ...occurs(def.required), ...queryable };
  if (def.maxLength === undefined) return el('xs:element', { ...attrs, type: XS_TYPES[def.type] });
  const restriction = el('xs:restriction', { base: XS_TYPES[def.type] }, el('xs:maxLength', { value: def.maxLength }));
  return el('xs:element', attrs, el('xs:simpleType', {}, restriction));
}

function complexType(name: string, properties: XNode[]): XNode {
  return el('xs:complexType', { name }, el('xs:all', {}, ...properties), SDATA_ATTRIBUTES);
}

function listType(name: string, element: string, type: string): XNode {
  return el('xs:complexType', { name }, el('xs:sequence', {}, el('xs:element', { name: element, type, minOccurs: 0, maxOccurs: 'unbounded' })));
}

/** The type definitions a kind needs, and the element types its references point at. */
function kindTypes(kind: KindConfig, app: ApplicationConfig, referenced: Set<string>): XNode[] {
  const extra: XNode[] = [];
  const propertyElement = (name: string, def: PropertyConfig): XNode => {
    if (def.type === 'reference') {
      const target = app.kinds.find((k) => k.name === def.kind)?.element ?? def.kind;
      referenced.add(target);
      return el('xs:element', { name, type: `${target}--reference`, ...occurs(def.required), 'sme:relationship': 'reference', 'sme:canFilter': true });
    }
    if (def.type === 'children') {
      const prefix = `${kind.element}--${name}`;
      const rows = Object.entries(def.properties).map(([n, d]) => scalarElement(n, d));
      extra.push(listType(`${prefix}--list`, def.element, `${prefix}--type`), complexType(`${prefix}--type`, rows));
      return el('xs:element', { name, type: `${prefix}--list`, ...occurs(false), 'sme:relationship': 'child' });
    }
    return scalarElement(name, def, QUERYABLE);
  };
  const properties = Object.entries(kind.properties).map(([name, def]) => propertyElement(name, def));
  return [complexType(`${kind.element}--type`, properties), listType(`${kind.element}--list`, kind.element, `${kind.element}--type`), ...extra];
}

function kindElement(def: SchemaKindDef): XNode {
  const { kind } = def;
  return el('xs:element', {
    name: kind.element,
    type: `${kind.element}--type`,
    'sme:role': 'resourceKind',
    'sme:pluralName': kind.name,
    'sme:isSyncSource': kind.isSyncSource,
    'sme:isSyncTarget': kind.isSyncTarget,
    'sme:syncConflictPriority': def.priority,
    'sme:syncOrder': kind.syncOrder,
    'sme:protocolFilters': PROTOCOL_FILTERS.join(','),
  });
}

/** The XSD of the given kinds of an application (one kind for `{ep}/$schema`, all for the application's). */
export function schemaDocument(app: ApplicationConfig, defs: SchemaKindDef[]): string {
  const referenced = new Set<string>();
  const types = defs.flatMap((d) => kindTypes(d.kind, app, referenced));
  const references = [...referenced].map((target) => el('xs:complexType', { name: `${target}--reference` }, SDATA_ATTRIBUTES));
  return renderXml(
    el(
      'xs:schema',
      {
        'xmlns:xs': NS.xs,
        'xmlns:sme': NS.sme,
        'xmlns:sdata': NS.sdata,
        xmlns: app.namespace,
        targetNamespace: app.namespace,
        elementFormDefault: 'qualified',
      },
      ...defs.map(kindElement),
      ...types,
      ...references,
    ),
  );
}

/** A kind as an application's schema declares it. */
export interface SchemaKind {
  /** The kind's name in URLs (`sme:pluralName`). */
  name: string;
  /** The payload element's name. */
  element: string;
  syncOrder: number;
  isSyncSource: boolean;
  isSyncTarget: boolean;
  priority?: number;
}

function invalidSchema(message: string, path: string) {
  return badRequest(message, 'InvalidSchema', path);
}

function integerAttr(e: XmlElement, name: string, path: string): number | undefined {
  const text = attr(e, NS.sme, name)?.trim();
  if (text === undefined) return undefined;
  if (!/^[+-]?\d+$/.test(text)) throw invalidSchema(`sme:${name} '${text}' is not an integer`, `${path}/@sme:${name}`);
  return Number(text);
}

function booleanAttr(e: XmlElement, name: string, path: string): boolean {
  const text = attr(e, NS.sme, name)?.trim();
  if (text === undefined || text === 'false' || text === '0') return false;
  if (text === 'true' || text === '1') return true;
  throw invalidSchema(`sme:${name} '${text}' is not a boolean`, `${path}/@sme:${name}`);
}

/**
 * The resource kinds of a schema: its top-level elements with `sme:role="resourceKind"` (or, from peers
 * that leave the role out, with `sme:pluralName`). Absent sync flags are false, an absent syncOrder 0.
 * A value that is not an integer or boolean is a 400 InvalidSchema.
 */
export function parseSchemaKinds(root: XmlElement): SchemaKind[] {
  if (root.ns !== NS.xs || root.name !== 'schema') throw invalidSchema(`expected an xs:schema, not <${root.name}>`, root.name);
  return childrenNamed(root, NS.xs, 'element')
    .filter((e) => attr(e, NS.sme, 'role') === 'resourceKind' || attr(e, NS.sme, 'pluralName') !== undefined)
    .map((e) => {
      const element = attr(e, '', 'name') ?? '';
      const path = `schema/element[@name='${element}']`;
      const priority = integerAttr(e, 'syncConflictPriority', path);
      return {
        name: attr(e, NS.sme, 'pluralName') ?? element,
        element,
        syncOrder: integerAttr(e, 'syncOrder', path) ?? 0,
        isSyncSource: booleanAttr(e, 'isSyncSource', path),
        isSyncTarget: booleanAttr(e, 'isSyncTarget', path),
        ...(priority === undefined ? {} : { priority }),
      };
    });
}
