/**
 * Writing a resource's payload element, the child of `<sdata:payload>` (PROTOCOL.md 3.1 and 8), from its
 * stored values (their JSON form: protocol/propertyValues.ts); payloadRead.ts reads it back.
 *
 *   <account sdata:key="A0027" sdata:uuid="…" sdata:url="{ep}('A0027')" sdata:uri="…" xmlns="{contract ns}">
 *     <name>ACME Inc.</name>              scalar: text in its canonical form, null as xsi:nil="true"
 *     <contact sdata:uuid="…"/>           reference: the UUID of the resource it points at
 *     <lines><line sdata:uuid="…">…</line></lines>     children: rows of scalar properties
 *   </account>
 *
 * A property absent from the values is left out; a referenced resource asked for (`include=`) is written
 * inline on its reference element.
 */
import type { ApplicationConfig, KindConfig, PropertyConfig } from '../config/schema';
import type { ChildRow, Reference } from '../protocol/propertyValues';
import { layoutOf } from './propertyLayout';
import { el, type XChild, type XNode } from './write';

/** The resource a payload element is written for. */
export interface PayloadResource {
  key: string;
  uuid?: string;
  url: string;
  /** The stored values (ResourceValues; JSON from the database is accepted as it comes). */
  values: Readonly<Record<string, unknown>>;
  deleted?: boolean;
  /** Referenced resources to write inside their reference element (`include=account`), by property. */
  included?: Readonly<Record<string, IncludedResource>>;
}

/** A referenced resource written inline: its payload's attributes and properties on the reference element. */
export interface IncludedResource {
  resource: PayloadResource;
  kind: KindConfig;
}

const NIL = { 'xsi:nil': 'true' } as const;

function scalarNode(name: string, value: unknown): XNode {
  if (value === null) return el(name, NIL);
  return el(name, undefined, String(value));
}

function referenceNode(name: string, value: unknown): XNode {
  if (value === null) return el(name, NIL);
  const uuid = typeof value === 'string' ? value : (value as Reference).uuid;
  return el(name, { 'sdata:uuid': uuid });
}

function childRowNode(def: Extract<PropertyConfig, { type: 'children' }>, row: ChildRow): XNode {
  const children: XChild[] = [];
  for (const [name] of layoutOf(def.properties).properties) {
    const v = row.values[name];
    if (v !== undefined) children.push(scalarNode(name, v));
  }
  return { tag: def.element, attrs: { 'sdata:uuid': row.uuid }, children };
}

function includedNode(name: string, inc: IncludedResource, app: ApplicationConfig): XNode {
  const { tag: _tag, attrs: { xmlns: _ns, ...attrs } = {}, ...rest } = payloadNode(inc.resource, inc.kind, app);
  return { ...rest, tag: name, attrs };
}

function propertyNode(name: string, def: PropertyConfig, value: unknown, app: ApplicationConfig, included?: IncludedResource): XNode {
  if (def.type === 'reference') return included && value !== null ? includedNode(name, included, app) : referenceNode(name, value);
  if (def.type === 'children') {
    if (value === null) return el(name, NIL);
    return { tag: name, children: (value as ChildRow[]).map((row) => childRowNode(def, row)) };
  }
  return scalarNode(name, value);
}

/**
 * The payload element of a resource: `sdata:key`, `sdata:uuid` (when given), `sdata:url` and `sdata:uri`
 * (the same value, older clients read that name), the contract namespace as default namespace, then the
 * properties present in the values, in configuration order. A deleted resource has `sdata:isDeleted="true"`
 * and no properties. The `sdata:` and `xsi:` prefixes are declared on the document's root.
 */
export function payloadNode(r: PayloadResource, kind: KindConfig, app: ApplicationConfig): XNode {
  const attrs: XNode['attrs'] = { 'sdata:key': r.key, 'sdata:uuid': r.uuid, 'sdata:url': r.url, 'sdata:uri': r.url, xmlns: app.namespace };
  if (r.deleted) {
    attrs['sdata:isDeleted'] = 'true';
    return { tag: kind.element, attrs };
  }
  const children: XChild[] = [];
  for (const [name, def] of layoutOf(kind.properties).properties) {
    const value = r.values[name];
    if (value !== undefined) children.push(propertyNode(name, def, value, app, r.included?.[name]));
  }
  return { tag: kind.element, attrs, children };
}
