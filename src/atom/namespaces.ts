/** Namespace URIs of PROTOCOL.md and the prefixes we always write (SData clients read prefixes literally). */
export const NS = {
  atom: 'http://www.w3.org/2005/Atom',
  sdata: 'http://schemas.sage.com/sdata/2008/1',
  sync: 'http://schemas.sage.com/sdata/sync/2008/1',
  http: 'http://schemas.sage.com/sdata/http/2008/1',
  opensearch: 'http://a9.com/-/spec/opensearch/1.1/',
  sme: 'http://schemas.sage.com/sdata/sme/2007',
  xs: 'http://www.w3.org/2001/XMLSchema',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  x: 'urn:sdata-sync:ext:1',
  /** Where Sage's client libraries put every payload element, whatever the contract. */
  dynamic: 'http://schemas.sage.com/dynamic/2007',
  xml: 'http://www.w3.org/XML/1998/namespace',
} as const;

/** `xmlns:*` declarations written on every root element (Atom is the default namespace). */
export const ROOT_NAMESPACE_ATTRS: Record<string, string> = {
  xmlns: NS.atom,
  'xmlns:sdata': NS.sdata,
  'xmlns:sync': NS.sync,
  'xmlns:http': NS.http,
  'xmlns:opensearch': NS.opensearch,
  'xmlns:sme': NS.sme,
  'xmlns:xsi': NS.xsi,
  'xmlns:x': NS.x,
};
