/**
 * XML writing: a small element-tree notation turned into text by fast-xml-parser's XMLBuilder (escaping
 * included). It is the fast path for feeds (see ARCHITECTURE.md, performance notes).
 */
import { XMLBuilder } from 'fast-xml-parser';

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
  attributeNamePrefix: '@_',
  suppressEmptyNode: true,
  processEntities: true,
  format: false,
});

type Ordered = Record<string, unknown>;

function toOrdered(node: XNode): Ordered {
  const kids: Ordered[] = [];
  for (const c of node.children ?? []) {
    if (c === null || c === undefined || c === false) continue;
    if (typeof c === 'object') kids.push(toOrdered(c));
    else kids.push({ '#text': String(c) });
  }
  const out: Ordered = { [node.tag]: kids };
  if (node.attrs) {
    const attrs: Record<string, string> = {};
    let any = false;
    for (const [k, v] of Object.entries(node.attrs)) {
      if (v === undefined || v === null) continue;
      attrs[`@_${k}`] = String(v);
      any = true;
    }
    if (any) out[':@'] = attrs;
  }
  return out;
}

/** Serialises an element tree as a UTF-8 XML document (with the XML declaration). */
export function renderXml(root: XNode): string {
  return `<?xml version="1.0" encoding="UTF-8"?>${builder.build([toOrdered(root)])}`;
}

/** Serialises an element tree as a fragment (no declaration). */
export function renderFragment(node: XNode): string {
  return builder.build([toOrdered(node)]);
}
