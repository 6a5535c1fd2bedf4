/** Request bodies as SData clients write them, and readers for the parts of our answers the tests check. */
import { NS } from '../../../src/atom/namespaces';
import { attr, child, childrenNamed, type XmlElement } from '../../../src/atom/xml';

/** An Atom entry holding one payload element (given as XML text). */
export function entryWith(payloadXml: string): string {
  return `<entry xmlns="${NS.atom}" xmlns:sdata="${NS.sdata}"><sdata:payload>${payloadXml}</sdata:payload></entry>`;
}

/** `<account>` in the contract namespace with the given children (XML text). */
export function account(children: string, attrs = '', ns = 'urn:sdata-sync:demo'): string {
  return `<account xmlns="${ns}"${attrs ? ` ${attrs}` : ''}>${children}</account>`;
}

/** The payload element of an entry (`sdata:payload`'s only child). */
export function payloadOf(entry: XmlElement): XmlElement {
  const p = child(entry, NS.sdata, 'payload');
  if (!p || p.children.length !== 1) throw new Error('the entry has no payload element');
  return p.children[0];
}

/** Text of a payload property (matched by local name). */
export function prop(payload: XmlElement, name: string): string | undefined {
  const c = payload.children.find((x) => x.name === name);
  return c ? c.text : undefined;
}

export function sdataAttr(el: XmlElement, name: string): string | undefined {
  return attr(el, NS.sdata, name);
}

export function entriesOf(feed: XmlElement): XmlElement[] {
  return childrenNamed(feed, NS.atom, 'entry');
}

/** The feed's links by rel. */
export function linksOf(feed: XmlElement): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of childrenNamed(feed, NS.atom, 'link')) out[attr(l, '', 'rel') ?? ''] = attr(l, '', 'href') ?? '';
  return out;
}

export function opensearch(feed: XmlElement, name: string): number {
  const c = child(feed, NS.opensearch, name);
  if (!c) throw new Error(`no opensearch:${name}`);
  return Number(c.text.trim());
}

/** The sdataCode of each diagnosis in an error body. */
export function diagnosisCodes(body: XmlElement): string[] {
  if (!(body.ns === NS.sdata && body.name === 'diagnoses')) throw new Error(`not an sdata:diagnoses body but <${body.name}>`);
  return childrenNamed(body, NS.sdata, 'diagnosis').map((d) => child(d, NS.sdata, 'sdataCode')?.text.trim() ?? '');
}

export function diagnosisField(body: XmlElement, field: string): string | undefined {
  const d = childrenNamed(body, NS.sdata, 'diagnosis')[0];
  return child(d, NS.sdata, field)?.text.trim();
}
