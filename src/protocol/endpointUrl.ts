/**
 * The one spelling of an endpoint URL (PROTOCOL.md 1: the URL is the endpoint's identity inside every
 * digest), so that two spellings of one endpoint are never two endpoints: in digests, in sync states, in
 * the engine's routes and in the logger's route keys. Pure.
 *
 *   scheme and host     lower case                      HTTP://CRM.Example  -> http://crm.example
 *   loopback host       localhost, 127.0.0.0/8, [::1]   -> localhost (the same machine by any of its loopback
 *                       names; `localhost` is the name the product's own default URLs use)
 *   port                the scheme's default removed    http://x:80, https://x:443 -> http://x, https://x
 *   path                trailing slashes removed        .../accounts/ -> .../accounts
 *   percent-encoding    unreserved characters decoded   %7Euser -> ~user, %41 -> A
 *                       (ALPHA DIGIT - . _ ~), other escapes upper-case hex: %2f -> %2F
 *   query, fragment     kept (a filter may partition an endpoint), their escapes normalised the same way
 *   where parameter     a partition's filter (partitions.ts#partitionUrl): decoded (+ is a space), its
 *                       expression in its one spelling (canonicalWhere), encoded with encodeURIComponent:
 *                       ?where=country+eq+%27FR%27 -> ?where=country%20eq%20'FR'
 *
 * A string that is not an absolute http(s) URL is returned as it is (a digest may name endpoints otherwise).
 */

import { canonicalWhere } from './partitions';

const LOOPBACK_V4 = /^127(?:\.\d{1,3}){3}$/;

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || LOOPBACK_V4.test(hostname);
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** Decodes escapes of unreserved characters and writes the others' hex digits in upper case. */
function normalisePercentEncoding(s: string): string {
  return s.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => {
    const c = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(c) ? c : `%${hex.toUpperCase()}`;
  });
}

export function canonicalUrl(url: string): string {
  // Every entry of a page names its endpoint: the same few URLs, each parsed once.
  const known = canonical.get(url);
  if (known !== undefined) return known;
  const spelled = spelledCanonically(url);
  if (url.length > CANONICAL_CACHE_URL_LENGTH) return spelled; // long URLs (from any feed) are not kept
  if (canonical.size >= CANONICAL_CACHE) canonical.clear();
  canonical.set(url, spelled);
  return spelled;
}

/** The longest URL the cache keeps. */
const CANONICAL_CACHE_URL_LENGTH = 2048;

/** URLs already made canonical (a pure function's answers), dropped all at once when full. */
const canonical = new Map<string, string>();
const CANONICAL_CACHE = 1000;

function spelledCanonically(url: string): string {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    return url;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return url;
  // The URL parser has lower-cased the scheme and host and dropped a default port.
  const host = isLoopback(u.hostname) ? `localhost${u.port ? `:${u.port}` : ''}` : u.host;
  const userinfo = u.username ? `${u.username}${u.password ? `:${u.password}` : ''}@` : '';
  const path = normalisePercentEncoding(u.pathname).replace(/\/+$/, '');
  return `${u.protocol}//${userinfo}${host}${path}${canonicalQuery(u.search)}${normalisePercentEncoding(u.hash)}`;
}

/** A query with its escapes normalised, and a `where` parameter's expression in its one spelling. */
function canonicalQuery(search: string): string {
  if (search.length <= 1) return search;
  const params = search.slice(1).split('&').map((param) => {
    const eq = param.indexOf('=');
    if (eq < 0 || decodedParam(param.slice(0, eq)) !== 'where') return normalisePercentEncoding(param);
    const expression = decodedParam(param.slice(eq + 1));
    return expression === undefined ? normalisePercentEncoding(param) : `where=${encodeURIComponent(canonicalWhere(expression))}`;
  });
  return `?${params.join('&')}`;
}

/** A query parameter's name or value as text (`+` is a space); undefined when its escapes are not UTF-8. */
function decodedParam(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * The URL of a service of an endpoint, `{ep}/$service[('ID')]`: the path goes before the endpoint's own query
 * (a partition's `where`, PROTOCOL.md 2.9), which stays: `.../accounts?where=x` -> `.../accounts/$syncSource('1')?where=x`.
 */
export function serviceUrlOf(endpointUrl: string, service: string): string {
  const q = endpointUrl.indexOf('?');
  return q < 0 ? `${endpointUrl}/${service}` : `${endpointUrl.slice(0, q)}/${service}${endpointUrl.slice(q)}`;
}
