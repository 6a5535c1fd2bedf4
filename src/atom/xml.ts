/**
 * Namespace-aware XML reading on top of saxes, a strict XML 1.0 + Namespaces parser.
 *
 * Elements and attributes are matched by namespace URI and local name, never by prefix: real peers write
 * `sync:`, `sdatasync:` or a default namespace for the same elements. Anything that is not well-formed XML
 * (unbalanced tags, duplicate or unquoted attributes, undeclared prefixes or entities, text outside the root,
 * characters XML forbids, raw or as character references) is a 400 MalformedXml. DOCTYPE and entity
 * declarations are refused outright (no entity expansion, no external entities). One pass over the text
 * builds the tree (about 20 ms for a 1,000-entry sync page, bench/page.ts).
 *
 * Every document is read in time linear in its size, and within the limits of config/xmlLimits.ts (depth,
 * elements, attributes, name and value lengths), each checked as soon as the parser reaches it: going over
 * one is a 400 XmlLimitExceeded naming the limit. saxes resolves a prefix by walking every open element
 * (quadratic in the depth: 20,000 levels took over a second); `LinearNsParser` resolves it from one stack
 * of bindings per prefix instead, so a lookup costs the same at any depth.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { DEFAULT_XML_LIMITS, type XmlLimits } from '../config/xmlLimits';
import { SDataError } from '../protocol/diagnosis';

export type { XmlLimits } from '../config/xmlLimits';

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
const XML_URI = 'http://www.w3.org/XML/1998/namespace';

function malformedXml(message: string): SDataError {
  return new SDataError(400, { sdataCode: 'BadRequest', applicationCode: 'MalformedXml', message });
}

function doctypeRefused(): SDataError {
  return new SDataError(400, { sdataCode: 'BadRequest', applicationCode: 'DoctypeRefused', message: 'DOCTYPE and entity declarations are not accepted' });
}

/** The 400 for a document over one of the limits of the `xml` section, naming the setting. */
export function limitExceeded(limit: keyof XmlLimits, value: number, what: string): SDataError {
  return new SDataError(400, {
    sdataCode: 'BadRequest',
    applicationCode: 'XmlLimitExceeded',
    message: `${what} is over the limit of ${value} (xml.${limit})`,
  });
}

/**
 * saxes with its prefix resolution replaced: the bindings in scope are kept as one stack per prefix, pushed
 * when an element declares a prefix (the `attribute` event comes before saxes resolves the element's own
 * names) and popped when that element closes. saxes still does every well-formedness check.
 */
class LinearNsParser extends SaxesParser<{ xmlns: true; position: true }> {
  private readonly bindings = new Map<string, string[]>([
    ['xml', [XML_URI]],
    ['xmlns', [XMLNS_URI]],
  ]);
  /** Per open element, the prefixes it declared (null when none: most elements declare nothing). */
  private readonly frames: (string[] | null)[] = [];

  constructor() {
    super({ xmlns: true, position: true });
  }

  override resolve(prefix: string): string | undefined {
    const stack = this.bindings.get(prefix);
    return stack && stack.length > 0 ? stack[stack.length - 1] : undefined;
  }

  openFrame(): void {
    this.frames.push(null);
  }

  declare(prefix: string, uri: string): void {
    let stack = this.bindings.get(prefix);
    if (!stack) this.bindings.set(prefix, (stack = []));
    stack.push(uri);
    const top = this.frames.length - 1;
    (this.frames[top] ??= []).push(prefix);
  }

  closeFrame(): void {
    const declared = this.frames.pop();
    if (declared) for (const prefix of declared) this.bindings.get(prefix)!.pop();
  }
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
  /** Defaults: the `xml` section's defaults (config/xmlLimits.ts). */
  limits?: XmlLimits;
}

/** Parses an XML document into a namespace-resolved element tree; 400 diagnoses on anything malformed. */
export function parseXml(text: string, opts: ParseOptions = {}): XmlElement {
  if (FORBIDDEN.test(text)) throw doctypeRefused();
  const take = opts.takeRootChild;
  const limits = opts.limits ?? DEFAULT_XML_LIMITS;
  const parser = new LinearNsParser();
  const open: XmlElement[] = [];
  let root: XmlElement | undefined;
  let elements = 0;
  let attributes = 0;
  let failure: unknown;
  const fail = (err: unknown): never => {
    failure ??= err;
    throw failure;
  };
  const checkName = (name: string, what: string) => {
    if (name.length > limits.maxNameLength) fail(limitExceeded('maxNameLength', limits.maxNameLength, `the length of ${what} name`));
  };
  const checkText = (length: number, what: string) => {
    if (length > limits.maxTextLength) fail(limitExceeded('maxTextLength', limits.maxTextLength, `the length of ${what}`));
  };
  parser.on('error', (err) => fail(malformedXml(`malformed XML at ${err.message}`)));
  parser.on('doctype', () => fail(doctypeRefused()));
  // The text was decoded as UTF-8 (src/http/textBody.ts): a document saying otherwise is not what it claims.
  parser.on('xmldecl', (decl) => {
    if (decl.encoding !== undefined && !/^(utf-?8|us-ascii)$/i.test(decl.encoding)) {
      fail(new SDataError(400, { sdataCode: 'BadRequest', applicationCode: 'InvalidEncoding', message: `the document declares encoding ${decl.encoding}: send XML encoded in UTF-8` }));
    }
  });
  // Before saxes reads the element's attributes or resolves its name: nothing deeper is ever looked at.
  parser.on('opentagstart', (tag) => {
    if (open.length + 1 > limits.maxDepth) fail(limitExceeded('maxDepth', limits.maxDepth, 'the nesting depth'));
    if (++elements > limits.maxElements) fail(limitExceeded('maxElements', limits.maxElements, 'the number of elements'));
    checkName(tag.name, 'an element');
    attributes = 0;
    parser.openFrame();
  });
  parser.on('attribute', (a) => {
    if (++attributes > limits.maxAttributes) fail(limitExceeded('maxAttributes', limits.maxAttributes, 'the number of attributes of one element'));
    checkName(a.name, 'an attribute');
    checkText(a.value.length, 'an attribute value');
    if (a.prefix === 'xmlns') parser.declare(a.local, a.value.trim());
    else if (a.name === 'xmlns') parser.declare('', a.value.trim());
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
    parser.closeFrame();
    const el = open.pop()!;
    if (take && open.length === 1) {
      let taken = false;
      try {
        taken = take(el);
      } catch (err) {
        fail(err);
      }
      if (!taken) open[0].children.push(el);
    }
  });
  const addText = (t: string) => {
    const current = open[open.length - 1];
    if (!current) return;
    checkText(current.text.length + t.length, 'the text of one element');
    current.text += t;
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
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
