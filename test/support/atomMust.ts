/**
 * The MUST rules of RFC 4287 (The Atom Syndication Format) as a checker: `atomViolations(xml)` lists every
 * rule a feed or entry document breaks (an empty list means valid). Coded from the RFC's text:
 *
 *   4.1.1  atom:feed: exactly one id, title, updated; at most one generator, icon, logo, rights, subtitle;
 *          one or more author unless every entry has one; at most one alternate link per (type, hreflang);
 *          entries after the feed's metadata (the RELAX NG pattern of appendix B)
 *   4.1.2  atom:entry: exactly one id, title, updated; at most one content, published, rights, source,
 *          summary; one or more author unless its feed (or its source) has one; an alternate link when
 *          there is no content; a summary when the content has src or is not text, html, xhtml, XML or text/*;
 *          at most one alternate link per (type, hreflang)
 *   4.1.3  atom:content: with src, empty; type text has no child elements; type xhtml holds one xhtml:div
 *   3.1    text constructs (title, subtitle, summary, rights): type text or html hold no child elements,
 *          xhtml holds one xhtml:div
 *   3.2    person constructs (author, contributor): exactly one name, at most one uri and email
 *   3.3    date constructs (updated, published): an RFC 3339 date-time (upper-case T and Z allowed forms)
 *   4.2.2  category: a term; 4.2.7 link: an href; 4.2.6 id: an absolute IRI
 */
import { NS } from '../../src/atom/namespaces';
import { attr, parseXml, type XmlElement } from '../../src/atom/xml';

const XHTML = 'http://www.w3.org/1999/xhtml';
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const ABSOLUTE_IRI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;

const atomChildren = (e: XmlElement, name: string): XmlElement[] => e.children.filter((c) => c.ns === NS.atom && c.name === name);

function checkText(e: XmlElement, where: string, out: string[]): void {
  const type = attr(e, '', 'type') ?? 'text';
  if (!['text', 'html', 'xhtml'].includes(type)) out.push(`${where}: text construct type '${type}' is not text, html or xhtml (3.1)`);
  if ((type === 'text' || type === 'html') && e.children.length > 0) out.push(`${where}: a ${type} construct holds no child elements (3.1.1)`);
  if (type === 'xhtml' && !(e.children.length === 1 && e.children[0].ns === XHTML && e.children[0].name === 'div')) out.push(`${where}: xhtml holds exactly one xhtml:div (3.1.1.3)`);
}

function checkPerson(e: XmlElement, where: string, out: string[]): void {
  if (atomChildren(e, 'name').length !== 1) out.push(`${where}: a person construct has exactly one atom:name (3.2.1)`);
  if (atomChildren(e, 'uri').length > 1) out.push(`${where}: at most one atom:uri (3.2.2)`);
  if (atomChildren(e, 'email').length > 1) out.push(`${where}: at most one atom:email (3.2.3)`);
}

function checkDate(e: XmlElement, where: string, out: string[]): void {
  if (!RFC3339.test(e.text.trim())) out.push(`${where}: '${e.text}' is not an RFC 3339 date-time (3.3)`);
}

function exactlyOne(e: XmlElement, name: string, where: string, section: string, out: string[]): void {
  const n = atomChildren(e, name).length;
  if (n !== 1) out.push(`${where}: exactly one atom:${name}, found ${n} (${section})`);
}

function atMostOne(e: XmlElement, names: string[], where: string, section: string, out: string[]): void {
  for (const name of names) if (atomChildren(e, name).length > 1) out.push(`${where}: at most one atom:${name} (${section})`);
}

/** The common element rules of feeds, entries and sources: id, dates, text and person constructs, links, categories. */
function checkCommon(e: XmlElement, where: string, section: string, out: string[]): void {
  for (const id of atomChildren(e, 'id')) if (!ABSOLUTE_IRI.test(id.text.trim())) out.push(`${where}: atom:id '${id.text}' is not an absolute IRI (4.2.6)`);
  for (const name of ['updated', 'published']) for (const d of atomChildren(e, name)) checkDate(d, `${where}/${name}`, out);
  for (const name of ['title', 'subtitle', 'summary', 'rights']) for (const t of atomChildren(e, name)) checkText(t, `${where}/${name}`, out);
  for (const name of ['author', 'contributor']) for (const p of atomChildren(e, name)) checkPerson(p, `${where}/${name}`, out);
  for (const l of atomChildren(e, 'link')) if (!attr(l, '', 'href')) out.push(`${where}: atom:link needs href (4.2.7.1)`);
  for (const c of atomChildren(e, 'category')) if (!attr(c, '', 'term')) out.push(`${where}: atom:category needs term (4.2.2.1)`);
  const alternates = atomChildren(e, 'link')
    .filter((l) => (attr(l, '', 'rel') ?? 'alternate') === 'alternate')
    .map((l) => `${attr(l, '', 'type') ?? ''} ${attr(l, '', 'hreflang') ?? ''}`);
  if (new Set(alternates).size !== alternates.length) out.push(`${where}: more than one alternate link with the same type and hreflang (${section})`);
}

function checkContent(c: XmlElement, where: string, out: string[]): boolean {
  const type = attr(c, '', 'type') ?? 'text';
  const src = attr(c, '', 'src');
  if (src !== undefined && (c.text.trim() !== '' || c.children.length > 0)) out.push(`${where}: atom:content with src is empty (4.1.3.2)`);
  if (type === 'text' && c.children.length > 0) out.push(`${where}: text content holds no child elements (4.1.3.3)`);
  if (type === 'xhtml' && !(c.children.length === 1 && c.children[0].ns === XHTML && c.children[0].name === 'div')) out.push(`${where}: xhtml content holds one xhtml:div (4.1.3.3)`);
  const textual = ['text', 'html', 'xhtml'].includes(type) || /[+/]xml$/i.test(type) || /^text\//i.test(type);
  return src !== undefined || !textual;
}

function checkEntry(e: XmlElement, where: string, feedHasAuthor: boolean, out: string[]): void {
  for (const name of ['id', 'title', 'updated']) exactlyOne(e, name, where, '4.1.2', out);
  atMostOne(e, ['content', 'published', 'rights', 'source', 'summary'], where, '4.1.2', out);
  checkCommon(e, where, '4.1.2', out);
  const source = atomChildren(e, 'source')[0];
  if (atomChildren(e, 'author').length === 0 && !feedHasAuthor && !(source && atomChildren(source, 'author').length > 0)) {
    out.push(`${where}: an entry names an author, or its feed or source does (4.1.2)`);
  }
  const content = atomChildren(e, 'content')[0];
  const alternate = atomChildren(e, 'link').some((l) => (attr(l, '', 'rel') ?? 'alternate') === 'alternate');
  if (!content && !alternate) out.push(`${where}: an entry without atom:content has a rel="alternate" link (4.1.2)`);
  if (content && checkContent(content, `${where}/content`, out) && atomChildren(e, 'summary').length === 0) {
    out.push(`${where}: content with src or of a non-textual type needs atom:summary (4.1.2)`);
  }
}

function checkFeed(f: XmlElement, out: string[]): void {
  for (const name of ['id', 'title', 'updated']) exactlyOne(f, name, 'feed', '4.1.1', out);
  atMostOne(f, ['generator', 'icon', 'logo', 'rights', 'subtitle'], 'feed', '4.1.1', out);
  checkCommon(f, 'feed', '4.1.1', out);
  const entries = atomChildren(f, 'entry');
  const feedHasAuthor = atomChildren(f, 'author').length > 0;
  if (!feedHasAuthor && entries.some((e) => atomChildren(e, 'author').length === 0)) out.push('feed: one or more atom:author unless every entry has one (4.1.1)');
  const firstEntry = f.children.findIndex((c) => c.ns === NS.atom && c.name === 'entry');
  if (firstEntry >= 0 && f.children.slice(firstEntry).some((c) => !(c.ns === NS.atom && c.name === 'entry'))) out.push('feed: entries come after the feed metadata (appendix B)');
  entries.forEach((e, i) => checkEntry(e, `feed/entry[${i + 1}]`, feedHasAuthor, out));
}

/** Every RFC 4287 MUST the document breaks; an empty list for a valid feed or entry document. */
export function atomViolations(xml: string): string[] {
  const root = parseXml(xml);
  const out: string[] = [];
  if (root.ns !== NS.atom || (root.name !== 'feed' && root.name !== 'entry')) return [`the root is <${root.name}> in ${root.ns || 'no namespace'}, not atom:feed or atom:entry`];
  if (root.name === 'feed') checkFeed(root, out);
  else checkEntry(root, 'entry', false, out);
  return out;
}
