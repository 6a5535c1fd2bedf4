/**
 * An element read (xml.ts) written out again (write.ts): the same names, namespaces, attributes and text,
 * for a document that quotes what it was sent (a quarantined entry's payload at `$failures`). Elements and
 * attributes of the namespaces every root declares keep those prefixes; an element of another namespace
 * declares it as its default; an attribute of another namespace is declared on the element under a prefix
 * of its own (`n1`, `n2`…).
 */
import { NS, ROOT_NAMESPACE_ATTRS } from './namespaces';
import { el, renderFragment, type XNode } from './write';
import type { XmlElement } from './xml';

const PREFIX_OF = new Map<string, string>(Object.entries(ROOT_NAMESPACE_ATTRS).map(([attr, ns]) => [ns, attr === 'xmlns' ? '' : attr.slice('xmlns:'.length)]));

function qualified(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}:${name}`;
}

function copy(e: XmlElement, defaultNs: string): XNode {
  const attrs: Record<string, string> = {};
  const known = PREFIX_OF.get(e.ns);
  // Atom is the root's default namespace: another default in between means Atom is declared again.
  const ownDefault = known === '' ? NS.atom : known === undefined ? e.ns : defaultNs;
  if (ownDefault !== defaultNs) attrs.xmlns = ownDefault;
  let more = 0;
  for (const a of e.attrs) {
    if (a.ns === '') attrs[a.name] = a.value;
    else if (a.ns === NS.xml) attrs[`xml:${a.name}`] = a.value;
    else {
      let prefix = PREFIX_OF.get(a.ns);
      if (prefix === undefined || prefix === '') {
        prefix = `n${++more}`;
        attrs[`xmlns:${prefix}`] = a.ns;
      }
      attrs[qualified(prefix, a.name)] = a.value;
    }
  }
  const tag = known !== undefined && known !== '' ? qualified(known, e.name) : e.name;
  const children = e.children.length > 0 ? e.children.map((c) => copy(c, ownDefault)) : [e.text];
  return el(tag, attrs, ...children);
}

/** The element as a node to write inside an Atom document (whose default namespace is Atom's). */
export function xmlElementNode(e: XmlElement): XNode {
  return copy(e, NS.atom);
}

/** The prefixes (of the root's namespaces) a node's names use, itself and below. */
function prefixesUsed(node: XNode, into: Set<string>): Set<string> {
  for (const name of [node.tag, ...Object.keys(node.attrs ?? {})]) {
    const colon = name.indexOf(':');
    if (colon > 0) into.add(name.slice(0, colon));
  }
  for (const c of node.children ?? []) if (typeof c === 'object' && c !== null) prefixesUsed(c, into);
  return into;
}

/** The element as XML text standing alone (the prefixes it uses declared on it), to quote it in a JSON answer. */
export function xmlElementText(e: XmlElement): string {
  const node = copy(e, '');
  const used = prefixesUsed(node, new Set());
  const declared = Object.fromEntries(Object.entries(ROOT_NAMESPACE_ATTRS).filter(([attr]) => attr.startsWith('xmlns:') && used.has(attr.slice('xmlns:'.length))));
  return renderFragment({ ...node, attrs: { ...declared, ...node.attrs } });
}
