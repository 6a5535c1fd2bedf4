/**
 * XML writing: a small element-tree notation (`el()`) written out in one walk of the tree, concatenating as it
 * goes (fast-xml-parser's XMLBuilder took 8 times as long for a 1,000-entry page: it resolves and checks every
 * name and value again; the bytes written are the same). The
 * five XML special characters are escaped in text and attribute values; an element without content is
 * written as `<tag/>`; null and undefined attributes and null, undefined and false children are left out.
 * A character XML 1.0 cannot carry (protocol/xmlText.ts) is never written: it becomes U+FFFD, so no
 * document is ever ill-formed. Callers that must not alter a value (a sync feed's entries) check it first (protocol/xmlText.ts).
 * Writing the tree of a 1,000-entry sync page takes about 3 ms of CPU (bench/syncFeed.ts times the whole page).
 */
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

const SPECIAL = /[&<>'"]/;
const SPECIAL_ALL = /[&<>'"]/g;
const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', "'": '&apos;', '"': '&quot;' };

/** Text with nothing to do: no special character, no control character, no surrogate, no U+FFFE or U+FFFF. */
const PLAIN = /^[^&<>'"\x00-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]*$/;

/** Text or an attribute value as written: XML-safe characters, the five special characters as entities. */
function escaped(text: string): string {
  if (PLAIN.test(text)) return text;
  const safe = writable(text);
  return SPECIAL.test(safe) ? safe.replace(SPECIAL_ALL, (c) => ENTITY[c]) : safe;
}

/** One element as written: its attributes in order, its children depth first. */
function written(node: XNode): string {
  let start = `<${node.tag}`;
  if (node.attrs) {
    for (const name of Object.keys(node.attrs)) {
      const value = node.attrs[name];
      if (value !== undefined && value !== null) start += ` ${name}="${escaped(String(value))}"`;
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

/** Serialises an element tree as a UTF-8 XML document (with the XML declaration). */
export function renderXml(root: XNode): string {
  return `<?xml version="1.0" encoding="UTF-8"?>${renderFragment(root)}`;
}

/** Serialises an element tree as a fragment (no declaration). */
export function renderFragment(node: XNode): string {
  return written(node);
}

