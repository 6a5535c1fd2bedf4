/**
 * XML writing: a small element-tree notation (`el()`) written out by fast-xml-parser's XMLBuilder. The
 * five XML special characters are escaped in text and attribute values; an element without content is
 * written as `<tag/>`; null and undefined attributes and null, undefined and false children are left out.
 * A character XML 1.0 cannot carry (protocol/xmlText.ts) is never written: it becomes U+FFFD, so no
 * document is ever ill-formed. Callers that must not alter a value (a sync feed's entries) check it first (protocol/xmlText.ts).
 * A 1,000-entry sync page takes about 20 ms (bench/syncFeed.ts).
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

const builder = new XMLBuilder({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  suppressEmptyNode: true,
  suppressBooleanAttributes: false,
  processEntities: true,
  format: false,
});

type BuilderNode = Record<string, unknown>;

/** The text as written: unchanged when XML can carry it (one regex test), else with U+FFFD in place of what it cannot. */
const writable = (text: string): string => (isXmlText(text) ? text : replaceForbiddenChars(text));

/** The builder's (preserveOrder) form of an element: `{ tag: [children], ':@': { attributes } }`. */
function builderNode(node: XNode): BuilderNode {
  const children: BuilderNode[] = [];
  for (const c of node.children ?? []) {
    if (c === null || c === undefined || c === false) continue;
    if (typeof c === 'object') children.push(builderNode(c));
    else {
      const text = String(c);
      if (text !== '') children.push({ '#text': writable(text) });
    }
  }
  const out: BuilderNode = { [node.tag]: children };
  if (node.attrs) {
    const attrs: Record<string, string> = {};
    for (const name of Object.keys(node.attrs)) {
      const value = node.attrs[name];
      if (value !== undefined && value !== null) attrs[name] = writable(String(value));
    }
    out[':@'] = attrs;
  }
  return out;
}

/** Serialises an element tree as a UTF-8 XML document (with the XML declaration). */
export function renderXml(root: XNode): string {
  return `<?xml version="1.0" encoding="UTF-8"?>${renderFragment(root)}`;
}

/** Serialises an element tree as a fragment (no declaration). */
export function renderFragment(node: XNode): string {
  return builder.build([builderNode(node)]) as string;
}

