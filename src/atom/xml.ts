/**
 * Namespace-aware XML reading on top of saxes, a strict XML 1.0 + Namespaces parser.
 *
 * Elements and attributes are matched by namespace URI and local name, never by prefix: real peers write
 * `sync:`, `sdatasync:` or a default namespace for the same elements. Anything that is not well-formed XML
 * (unbalanced tags, duplicate or unquoted attributes, undeclared prefixes or entities, text outside the root)
 * is a 400 MalformedXml. DOCTYPE and entity declarations are refused outright (no entity expansion, no
 * external entities). One pass over the text builds the tree (about 20 ms for a 1,000-entry sync page,
 * bench/page.ts).
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { SDataError } from '../protocol/diagnosis';

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

const FORBIDDEN = /<!DOCTYPE|<!ENTITY/i;
const XMLNS_URI = 'http://www.w3.org/2000/xmlns/';

export function malformedXml(message: string): SDataError {
  return new SDataError(400, { sdataCode: 'BadRequest', applicationCode: 'MalformedXml', message });
}

function doctypeRefused(): SDataError {
  return new SDataError(400, { sdataCode: 'BadRequest', applicationCode: 'DoctypeRefused', message: 'DOCTYPE and entity declarations are not accepted' });
}

function elementOf(tag: SaxesTagNS): XmlElement {
  const attrs: XmlAttr[] = [];
  for (const key in tag.attributes) {
    const a = tag.attributes[key];
    if (a.uri === XMLNS_URI || a.name === 'xmlns') continue;
    attrs.push({ ns: a.uri, name: a.local, value: a.value });
  }
  return { ns: tag.uri, name: tag.local, prefix: tag.prefix, attrs, children: [], text: '' };
}

export interface ParseOptions {
  /**
   * Called with each child of the root element once it is complete; when it answers true the child is taken
   * (not added to the root's children). A feed reader takes its entries this way, one at a time, so a large
   * feed never exists as one tree. An error it throws ends the parse and reaches the caller unchanged.
   */
  takeRootChild?: (el: XmlElement) => boolean;
}

/** Parses an XML document into a namespace-resolved element tree; 400 diagnoses on anything malformed. */
export function parseXml(text: string, opts: ParseOptions = {}): XmlElement {
  if (FORBIDDEN.test(text)) throw doctypeRefused();
  const take = opts.takeRootChild;
  const parser = new SaxesParser({ xmlns: true, position: true });
  const open: XmlElement[] = [];
  let root: XmlElement | undefined;
  let failure: unknown;
  parser.on('error', (err) => {
    failure ??= malformedXml(`malformed XML at ${err.message}`);
    throw failure;
  });
  parser.on('doctype', () => {
    failure ??= doctypeRefused();
    throw failure;
  });
  parser.on('opentag', (tag) => {
    const el = elementOf(tag);
    const parent = open[open.length - 1];
    // A root child offered to `take` is added to the root only when it is not taken (at its close).
    if (parent && !(take && open.length === 1)) parent.children.push(el);
    else if (!parent) root = el;
    open.push(el);
  });
  parser.on('closetag', () => {
    const el = open.pop()!;
    if (take && open.length === 1) {
      let taken: boolean;
      try {
        taken = take(el);
      } catch (err) {
        failure ??= err;
        throw err;
      }
      if (!taken) open[0].children.push(el);
    }
  });
  parser.on('text', (t) => {
    const current = open[open.length - 1];
    if (current) current.text += t;
  });
  parser.on('cdata', (t) => {
    const current = open[open.length - 1];
    if (current) current.text += t;
  });
  try {
    parser.write(text).close();
  } catch (err) {
    if (failure) throw failure;
    throw malformedXml(`malformed XML: ${(err as Error).message}`);
  }
  if (!root) throw malformedXml('an XML document must have exactly one root element');
  return root;
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
