/**
 * XML writing: a small element-tree notation (`el()`) written out by fast-xml-parser's XMLBuilder. The
 * five XML special characters and CR are escaped in text and attribute values (and tab and LF in attribute
 * values), so that every value reads back as it was written; an element without content is
 * written as `<tag/>`; null and undefined attributes and null, undefined and false children are left out.
 * A character XML 1.0 cannot carry (protocol/xmlText.ts) is never written: it becomes U+FFFD, so no
 * document is ever ill-formed. Callers that must not alter a value (a sync feed's entries) check it first (protocol/xmlText.ts).
 *
 * Feeds of many entries (sync pages, result feeds, $batch answers) are written by `renderFeedXml` instead:
 * the same bytes, by one walk of the tree that concatenates as it goes. The builder resolves and checks every
 * name and value again and took 8 times as long for a 1,000-entry page (about 3 ms of CPU here); a test
 * holds the two writers to the same bytes.
 */
import { XMLBuilder } from 'fast-xml-parser';
import { isXmlText, replaceForbiddenChars } from '../protocol/xmlText';

export type XChild = XNode | string | number | boolean | null | undefined | false;

export interface XNode {
  tag: string;
  attrs?: Record<string, string | number | boolean | undefined | null>;
  children?: XChild[];
}

/** Builds an element: `el('sync:tick', {}, 5)`. Null, undefined and false children are left out. */
export function el(tag: string, attrs?: XNode['attrs'], ...children: XChild[]): XNode {
  return { tag, attrs, children };
}

/** The text as written: unchanged when XML can carry it (one regex test), else with U+FFFD in place of what it cannot. */
const writable = (text: string): string => (isXmlText(text) ? text : replaceForbiddenChars(text));

const SPECIAL = /[&<>'"\r]/;
const SPECIAL_ALL = /[&<>'"\r]/g;
/** Attribute values also keep their tab and line feed (a reader normalises them to spaces otherwise). */
const SPECIAL_IN_ATTRIBUTE = /[&<>'"\r\n\t]/;
const SPECIAL_IN_ATTRIBUTE_ALL = /[&<>'"\r\n\t]/g;
/** The five special characters as entities; CR, LF and tab as references (a reader turns a literal CR into LF). */
const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', "'": '&apos;', '"': '&quot;', '\r': '&#13;', '\n': '&#10;', '\t': '&#9;' };

/** Text with nothing to do: no special character, no CR, no control character, no surrogate, no U+FFFE or U+FFFF. */
const PLAIN = /^[^&<>'"\r\x00-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]*$/;

/** Text as written: XML-safe characters, the special characters and CR as entities, so that it reads back as it was. */
function escaped(text: string): string {
  if (PLAIN.test(text)) return text;
  const safe = writable(text);
  return SPECIAL.test(safe) ? safe.replace(SPECIAL_ALL, (c) => ENTITY[c]) : safe;
}

/** An attribute value as written: as text, and tab and line feed as references too. */
function escapedAttribute(value: string): string {
  const safe = writable(value);
  return SPECIAL_IN_ATTRIBUTE.test(safe) ? safe.replace(SPECIAL_IN_ATTRIBUTE_ALL, (c) => ENTITY[c]) : safe;
}

/** One element as written (as the builder writes it): its attributes in order, its children depth first. */
function written(node: XNode): string {
  let start = `<${node.tag}`;
  if (node.attrs) {
    for (const name of Object.keys(node.attrs)) {
      const value = node.attrs[name];
      if (value !== undefined && value !== null) start += ` ${name}="${escapedAttribute(String(value))}"`;
    }
  }
  let content = '';
  const children = node.children;
  if (children) {
    for (let i = 0; i < children.length; i++) {
      const c = children[i];
      if (c === null || c === undefined || c === false) continue;
      content += typeof c === 'object' ? written(c) : escaped(String(c));
    }
  }
  return content === '' ? `${start}/>` : `${start}>${content}</${node.tag}>`;
}

const builder = new XMLBuilder({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  suppressEmptyNode: true,
  suppressBooleanAttributes: false,
  // Text and attribute values arrive escaped (escaped, escapedAttribute): one escaping for both writers.
  processEntities: false,
  format: false,
});

type BuilderNode = Record<string, unknown>;

/** The builder's (preserveOrder) form of an element: `{ tag: [children], ':@': { attributes } }`. */
function builderNode(node: XNode): BuilderNode {
  const children: BuilderNode[] = [];
  for (const c of node.children ?? []) {
    if (c === null || c === undefined || c === false) continue;
    if (typeof c === 'object') children.push(builderNode(c));
    else {
      const text = String(c);
      if (text !== '') children.push({ '#text': escaped(text) });
    }
  }
  const out: BuilderNode = { [node.tag]: children };
  if (node.attrs) {
    const attrs: Record<string, string> = {};
    for (const name of Object.keys(node.attrs)) {
      const value = node.attrs[name];
      if (value !== undefined && value !== null) attrs[name] = escapedAttribute(String(value));
    }
    out[':@'] = attrs;
  }
  return out;
}

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/** Serialises an element tree as a UTF-8 XML document (with the XML declaration). */
export function renderXml(root: XNode): string {
  return `${DECLARATION}${renderFragment(root)}`;
}

/** Serialises an element tree as a fragment (no declaration). */
export function renderFragment(node: XNode): string {
  return builder.build([builderNode(node)]) as string;
}

/** What renderXml writes, written faster: for feeds of many entries. */
export function renderFeedXml(root: XNode): string {
  return `${DECLARATION}${written(root)}`;
}
