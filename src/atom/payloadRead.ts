/**
 * Reading a resource's payload element (the child of `<sdata:payload>`, PROTOCOL.md 3.1 and 8) against its
 * kind into the stored values (protocol/propertyValues.ts gives their JSON form and reads each scalar's text).
 * The element's shape is the one payloadWrite.ts writes; the element may be in the contract's namespace,
 * Sage's dynamic one or none, its property elements in the payload element's namespace or none.
 * A property absent from the payload is absent from the values; `xsi:nil="true"` reads as null, and an empty
 * element is null for every type but string (where it is ""). A child row without `sdata:uuid` gets a new
 * random UUID; `sdata:isDeleted="true"` reads as deleted with no values.
 *
 * Reading collects every problem as a diagnosis (sdataCode BadRequest, applicationCode UnknownProperty,
 * InvalidValue, RequiredMissing, DuplicateProperty or UnknownElement, payloadPath such as `account/balance`
 * or `order/lines/line[2]/qty`): `readPayloadValues` returns them, `readPayload` throws one SDataError
 * listing them all. A sync target reports them per entry, so one bad entry fails alone. A payload element or
 * child row with more than MAX_PROPERTIES child elements is one TooManyProperties problem, its children unread.
 * A sync target reads a peer's payload with `leaveOutUnknown` (PROTOCOL.md 2.7): a property element its kind
 * does not declare is then no problem but a Warning (`IgnoredProperty`), and is left out of the values.
 */
import { randomUUID } from 'node:crypto';
import type { ApplicationConfig, KindConfig, PropertyConfig, ScalarPropertyConfig } from '../config/schema';
import { SDataError, type Diagnosis } from '../protocol/diagnosis';
import { SCALAR_READERS, type ChildRow, type Reference, type ResourceValues, type ScalarValue } from '../protocol/propertyValues';
import { isUuid } from '../protocol/values';
import { NS } from './namespaces';
import { layoutOf } from './propertyLayout';
import { attr, type XmlElement } from './xml';

/** What a payload element says. */
export interface ReadPayload {
  /** `sdata:key`, when the payload gives one. */
  key?: string;
  /** `sdata:uuid`, lower case, when the payload gives one. */
  uuid?: string;
  deleted: boolean;
  values: ResourceValues;
}

/** A payload read with every problem found (an empty list means the payload is valid). */
export interface PayloadReading {
  payload: ReadPayload;
  diagnoses: Diagnosis[];
  /** With `leaveOutUnknown`: one `IgnoredProperty` Warning naming the property elements left out, if any. */
  warnings: Diagnosis[];
}

export interface ReadPayloadOptions {
  /** A partial payload (only the properties to change): required properties are not checked. Default false. */
  partial?: boolean;
  /**
   * A sync target reading a peer's payload (PROTOCOL.md 2.7): a property element the kind does not declare
   * is left out of the values with a Warning, not refused. Default false (a client's payload: UnknownProperty).
   */
  leaveOutUnknown?: boolean;
}

/** The most child elements one payload element or child row may hold (JSON objects: keys, json/jsonBody.ts). */
export const MAX_PROPERTIES = 1000;

function problem(applicationCode: string, message: string, payloadPath: string): Diagnosis {
  return { severity: 'Error', sdataCode: 'BadRequest', applicationCode, message, payloadPath };
}

/** What is done with a property element the kind does not declare (see ReadPayloadOptions.leaveOutUnknown). */
type UnknownProperty = (e: XmlElement, parent: XmlElement, at: string) => void;

/** At most this many left-out properties are named in an entry's IgnoredProperty warning (the rest are counted). */
const NAMED_LEFT_OUT = 20;

function unknownPropertyReader(leaveOut: boolean, out: Diagnosis[], leftOut: string[]): UnknownProperty {
  if (leaveOut) return (_e, _parent, at) => leftOut.push(at);
  return (e, parent, at) => out.push(problem('UnknownProperty', `<${e.name}>${e.ns && e.ns !== parent.ns ? ` in namespace ${e.ns}` : ''} is not a property of <${parent.name}>`, at));
}

/** One Warning for the properties left out of a payload (PROTOCOL.md 2.7), or none. */
function leftOutWarnings(leftOut: string[]): Diagnosis[] {
  if (leftOut.length === 0) return [];
  const more = leftOut.length > NAMED_LEFT_OUT ? ` and ${leftOut.length - NAMED_LEFT_OUT} more` : '';
  const message = `not properties of this kind here, left out (the target keeps its own values): ${leftOut.slice(0, NAMED_LEFT_OUT).join(', ')}${more}`;
  return [{ severity: 'Warning', sdataCode: 'ApplicationDiagnosis', applicationCode: 'IgnoredProperty', message, payloadPath: leftOut[0] }];
}

const isTrue = (v: string | undefined): boolean => v !== undefined && (v.trim() === 'true' || v.trim() === '1');
const isNil = (e: XmlElement): boolean => isTrue(attr(e, NS.xsi, 'nil'));
const isDeletedElement = (e: XmlElement): boolean => isTrue(attr(e, NS.sdata, 'isDeleted'));

/**
 * Namespaces a payload element may be in: the contract's, Sage's dynamic one, or none (PROTOCOL.md 8).
 * "None" includes the Atom namespace, which an unqualified payload inherits inside `<entry xmlns="…Atom">`.
 */
function acceptedPayloadNamespace(ns: string, app: ApplicationConfig): boolean {
  return ns === app.namespace || ns === NS.dynamic || ns === '' || ns === NS.atom;
}

/** Property elements are in the payload element's namespace or in none. */
const inPropertyNamespace = (e: XmlElement, parent: XmlElement): boolean => e.ns === parent.ns || e.ns === '';

function readScalar(e: XmlElement, def: ScalarPropertyConfig, path: string, out: Diagnosis[]): ScalarValue | undefined {
  if (isNil(e)) return null;
  if (e.children.length > 0) {
    out.push(problem('InvalidValue', `<${e.name}> holds elements; expected ${SCALAR_READERS[def.type].expected}`, path));
    return undefined;
  }
  const text = def.type === 'string' ? e.text : e.text.trim();
  if (text === '' && def.type !== 'string') return null;
  const value = SCALAR_READERS[def.type].read(text);
  if (value === undefined) {
    out.push(problem('InvalidValue', `'${text}' is not valid for <${e.name}>: expected ${SCALAR_READERS[def.type].expected}`, path));
    return undefined;
  }
  if (def.maxLength !== undefined && typeof value === 'string' && [...value].length > def.maxLength) {
    out.push(problem('InvalidValue', `<${e.name}> is longer than ${def.maxLength} characters`, path));
    return undefined;
  }
  return value;
}

function readUuidAttr(e: XmlElement, path: string, out: Diagnosis[]): string | undefined {
  const uuid = attr(e, NS.sdata, 'uuid')?.trim();
  if (uuid === undefined) return undefined;
  if (!isUuid(uuid)) {
    out.push(problem('InvalidValue', `sdata:uuid '${uuid}' is not a UUID`, `${path}/@sdata:uuid`));
    return undefined;
  }
  return uuid.toLowerCase();
}

function readReference(e: XmlElement, path: string, out: Diagnosis[]): Reference | null | undefined {
  if (isNil(e)) return null;
  const before = out.length;
  const uuid = readUuidAttr(e, path, out);
  if (uuid !== undefined) return { uuid };
  if (out.length > before) return undefined;
  if (e.children.length === 0 && e.text.trim() === '') return null;
  out.push(problem('InvalidValue', `the reference <${e.name}> must carry sdata:uuid (references are by UUID only)`, path));
  return undefined;
}

/** Checks that every required property is given and not null (a given but invalid one is already reported). */
function checkRequired(properties: [string, PropertyConfig][], read: PropertiesRead, path: string, out: Diagnosis[]): void {
  if (read.unread) return;
  for (const [name, def] of properties) {
    if (def.type === 'children' || !def.required) continue;
    if (!read.given.has(name) || read.values[name] === null) out.push(problem('RequiredMissing', `<${name}> is required`, `${path}/${name}`));
  }
}

interface PropertiesRead {
  values: ResourceValues;
  /** Names of the property elements present, valid or not. */
  given: Set<string>;
  /** The element held too many children to read (TooManyProperties): nothing is known of its properties. */
  unread?: true;
}

/** Reads the property elements of `parent`; `readOne` gives undefined for a value it reported as wrong. */
function readProperties(
  parent: XmlElement,
  byName: Map<string, PropertyConfig>,
  path: string,
  out: Diagnosis[],
  unknown: UnknownProperty,
  readOne: (e: XmlElement, def: PropertyConfig, at: string) => ResourceValues[string] | undefined,
): PropertiesRead {
  const values: ResourceValues = {};
  const seen = new Set<string>();
  if (parent.children.length > MAX_PROPERTIES) {
    out.push(problem('TooManyProperties', `<${parent.name}> holds ${parent.children.length} elements, over the limit of ${MAX_PROPERTIES}`, path));
    return { values, given: seen, unread: true };
  }
  for (const e of parent.children) {
    const at = `${path}/${e.name}`;
    const def = inPropertyNamespace(e, parent) ? byName.get(e.name) : undefined;
    if (!def) {
      unknown(e, parent, at);
      continue;
    }
    if (seen.has(e.name)) {
      out.push(problem('DuplicateProperty', `<${e.name}> appears more than once`, at));
      continue;
    }
    seen.add(e.name);
    const value = readOne(e, def, at);
    if (value !== undefined) values[e.name] = value;
  }
  return { values, given: seen };
}

function readChildren(e: XmlElement, def: Extract<PropertyConfig, { type: 'children' }>, path: string, partial: boolean, out: Diagnosis[], unknown: UnknownProperty): ChildRow[] | undefined {
  if (isNil(e)) return [];
  const { properties, byName } = layoutOf(def.properties);
  const rows: ChildRow[] = [];
  const uuids = new Set<string>();
  const before = out.length;
  let position = 0;
  for (const row of e.children) {
    if (!(row.name === def.element && inPropertyNamespace(row, e))) {
      out.push(problem('UnknownProperty', `<${row.name}> is not a <${def.element}> row of <${e.name}>`, `${path}/${row.name}`));
      continue;
    }
    position += 1;
    const at = `${path}/${def.element}[${position}]`;
    const uuid = readUuidAttr(row, at, out) ?? (attr(row, NS.sdata, 'uuid') === undefined ? randomUUID() : undefined);
    if (uuid !== undefined && uuids.has(uuid)) out.push(problem('InvalidValue', `child UUID ${uuid} appears more than once`, `${at}/@sdata:uuid`));
    if (uuid !== undefined) uuids.add(uuid);
    if (isDeletedElement(row)) continue;
    const read = readProperties(row, byName, at, out, unknown, (c, d, p) => readScalar(c, d as ScalarPropertyConfig, p, out));
    if (!partial) checkRequired(properties, read, at, out);
    if (uuid !== undefined) rows.push({ uuid, values: read.values as Record<string, ScalarValue> });
  }
  return out.length > before ? undefined : rows;
}

/**
 * Reads a payload element (the child of `sdata:payload`) against its kind, collecting every problem.
 * `sdata:isDeleted="true"` reads as deleted with no values (property elements, if any, are ignored).
 * A child row without `sdata:uuid` gets a new random UUID (clients creating rows do not know one).
 */
export function readPayloadValues(payloadEl: XmlElement, kind: KindConfig, app: ApplicationConfig, options: ReadPayloadOptions = {}): PayloadReading {
  const layout = layoutOf(kind.properties);
  const path = kind.element;
  const out: Diagnosis[] = [];
  if (payloadEl.name !== kind.element || !acceptedPayloadNamespace(payloadEl.ns, app)) {
    const where = payloadEl.ns ? ` in namespace ${payloadEl.ns}` : '';
    out.push(problem('UnknownElement', `expected a <${kind.element}> payload element (in ${app.namespace}, ${NS.dynamic} or no namespace), not <${payloadEl.name}>${where}`, payloadEl.name));
    return { payload: { deleted: false, values: {} }, diagnoses: out, warnings: [] };
  }
  const key = attr(payloadEl, NS.sdata, 'key');
  const uuid = readUuidAttr(payloadEl, path, out);
  const payload: ReadPayload = { deleted: false, values: {} };
  if (key !== undefined) payload.key = key;
  if (uuid !== undefined) payload.uuid = uuid;
  if (isDeletedElement(payloadEl)) {
    payload.deleted = true;
    return { payload, diagnoses: out, warnings: [] };
  }
  const partial = options.partial === true;
  const leftOut: string[] = [];
  const unknown = unknownPropertyReader(options.leaveOutUnknown === true, out, leftOut);
  const read = readProperties(payloadEl, layout.byName, path, out, unknown, (e, def, at) => {
    if (def.type === 'reference') return readReference(e, at, out);
    if (def.type === 'children') return readChildren(e, def, at, partial, out, unknown);
    return readScalar(e, def, at, out);
  });
  payload.values = read.values;
  if (!partial) checkRequired(layout.properties, read, path, out);
  return { payload, diagnoses: out, warnings: leftOutWarnings(leftOut) };
}

/** Reads a payload element; throws one 400 SDataError whose diagnoses list every problem found. */
export function readPayload(payloadEl: XmlElement, kind: KindConfig, app: ApplicationConfig, options: ReadPayloadOptions = {}): ReadPayload {
  const { payload, diagnoses } = readPayloadValues(payloadEl, kind, app, options);
  if (diagnoses.length > 0) {
    const [first, ...more] = diagnoses;
    throw new SDataError(400, first, more);
  }
  return payload;
}
