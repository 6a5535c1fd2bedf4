/**
 * Namespace-aware XML reading on top of fast-xml-parser.
 *
 * Elements and attributes are matched by namespace URI and local name, never by prefix: real peers write
 * `sync:`, `sdatasync:` or a default namespace for the same elements. DOCTYPE and entity declarations are
 * refused outright (no entity expansion, no external entities).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { SDataError } from '../protocol/diagnosis';
import { NS } from './namespaces';

export interface XmlAttr {
  ns: string;
  name: string;
  value: string;
}

export interface XmlElement {
  /** Namespace URI ('' when none). */
  ns: string;
  /** Local name. */
  name: string;
  /** The prefix as written ('' when none); for diagnostics only, never for matching. */
  prefix: string;
  attrs: XmlAttr[];
  children: XmlElement[];
  /** The element's own text (its text nodes joined, CDATA included). */
  text: string;
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  // Entities are decoded here in one pass (decodeEntities), so that `&amp;#233;` stays `&#233;`.
  processEntities: false,
  htmlEntities: false,
  cdataPropName: '#cdata',
  commentPropName: false as unknown as string,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

const FORBIDDEN = /<!DOCTYPE|<!ENTITY/i;

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const ENTITY = /&(?:#x([0-9a-fA-F]+)|#([0-9]+)|(amp|lt|gt|quot|apos));/g;

/** Decodes the five XML entities and numeric character references (nothing else exists without a DOCTYPE). */
function decodeEntities(s: string): string {
  if (s.indexOf('&') < 0) return s;
  return s.replace(ENTITY, (_m, hex: string | undefined, dec: string | undefined, named: string | undefined) => {
    if (named) return NAMED[named];
    const code = hex ? parseInt(hex, 16) : parseInt(dec!, 10);
    try {
      return String.fromCodePoint(code);
    } catch {
      throw malformedXml(`invalid character reference &#${hex ? 'x' + hex : dec};`);
    }
  });
}

export function malformedXml(message: string): SDataError {
  return new SDataError(400, { sdataCode: 'BadRequest', applicationCode: 'MalformedXml', message });
}

/** Parses an XML document into a namespace-resolved element tree; 400 diagnoses on anything malformed. */
export function parseXml(text: string): XmlElement {
  if (FORBIDDEN.test(text)) {
    throw new SDataError(400, {
      sdataCode: 'BadRequest',
      applicationCode: 'DoctypeRefused',
      message: 'DOCTYPE and entity declarations are not accepted',
    });
  }
  const valid = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (valid !== true) {
    throw malformedXml(`malformed XML at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`);
  }
  let nodes: unknown[];
  try {
    nodes = parser.parse(text) as unknown[];
  } catch (err) {
    throw malformedXml(`malformed XML: ${(err as Error).message}`);
  }
  const roots = nodes.filter((n) => elementNameOf(n as Record<string, unknown>) !== undefined);
  if (roots.length !== 1) throw malformedXml('an XML document must have exactly one root element');
  return resolve(roots[0] as Record<string, unknown>, new Map([['xml', NS.xml], ['', '']]));
}

function elementNameOf(node: Record<string, unknown>): string | undefined {
  for (const key of Object.keys(node)) if (key !== ':@' && key !== '#text' && key !== '#cdata') return key;
  return undefined;
}

function splitQName(qname: string): [string, string] {
  const i = qname.indexOf(':');
  return i < 0 ? ['', qname] : [qname.slice(0, i), qname.slice(i + 1)];
}

function resolve(node: Record<string, unknown>, scope: Map<string, string>): XmlElement {
  const qname = elementNameOf(node)!;
  const rawAttrs = (node[':@'] ?? {}) as Record<string, string>;
  let inner = scope;
  for (const [key, value] of Object.entries(rawAttrs)) {
    if (key === 'xmlns' || key.startsWith('xmlns:')) {
      if (inner === scope) inner = new Map(scope);
      inner.set(key === 'xmlns' ? '' : key.slice(6), decodeEntities(value));
    }
  }
  const [prefix, local] = splitQName(qname);
  const ns = inner.get(prefix);
  if (ns === undefined) throw malformedXml(`element <${qname}> uses an undeclared namespace prefix '${prefix}'`);
  const attrs: XmlAttr[] = [];
  for (const [key, value] of Object.entries(rawAttrs)) {
    if (key === 'xmlns' || key.startsWith('xmlns:')) continue;
    const [ap, al] = splitQName(key);
    // Unprefixed attributes are in no namespace.
    const ans = ap === '' ? '' : inner.get(ap);
    if (ans === undefined) throw malformedXml(`attribute ${key} uses an undeclared namespace prefix '${ap}'`);
    attrs.push({ ns: ans, name: al, value: decodeEntities(String(value)) });
  }
  const children: XmlElement[] = [];
  let text = '';
  for (const child of (node[qname] ?? []) as Record<string, unknown>[]) {
    if ('#text' in child) text += decodeEntities(String(child['#text']));
    else if ('#cdata' in child) text += cdataText(child['#cdata']);
    else if (elementNameOf(child) !== undefined) children.push(resolve(child, inner));
  }
  return { ns, name: local, prefix, attrs, children, text };
}

function cdataText(value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => String((v as Record<string, unknown>)['#text'] ?? '')).join('');
  return String(value ?? '');
}

/** The first child element with this namespace and local name. */
export function child(el: XmlElement | undefined, ns: string, name: string): XmlElement | undefined {
  if (!el) return undefined;
  for (const c of el.children) if (c.name === name && c.ns === ns) return c;
  return undefined;
}

/** All child elements with this namespace and local name. */
export function childrenNamed(el: XmlElement | undefined, ns: string, name: string): XmlElement[] {
  return el ? el.children.filter((c) => c.name === name && c.ns === ns) : [];
}

/** Trimmed text of the first matching child, or undefined when there is no such child. */
export function childText(el: XmlElement | undefined, ns: string, name: string): string | undefined {
  const c = child(el, ns, name);
  return c ? c.text.trim() : undefined;
}

/** An attribute's value by namespace ('' for unprefixed) and local name. */
export function attr(el: XmlElement | undefined, ns: string, name: string): string | undefined {
  if (!el) return undefined;
  for (const a of el.attrs) if (a.name === name && a.ns === ns) return a.value;
  return undefined;
}

/** `{ns}name` for messages. */
export function qualifiedName(el: XmlElement): string {
  return el.prefix ? `${el.prefix}:${el.name}` : el.name;
}
