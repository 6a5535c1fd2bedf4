/**
 * The URL of a service or other sub-resource of an endpoint (PROTOCOL.md 3.1: `{ep}/$syncSource`,
 * `{ep}/$syncDigest`, `{ep}/$conflicts('ID')/$resolve` ...), and a URL with query parameters added. An
 * endpoint URL may carry a query (a partition `{kind URL}?where=...` is an endpoint of its own): the
 * sub-resource's path goes before it, and the endpoint's query stays on every URL built from it. Pure.
 *
 *   endpoint URL                         sub-resource    parameters       URL
 *   http://h/sdata/a/c/d/k               $syncDigest                      http://h/sdata/a/c/d/k/$syncDigest
 *   http://h/sdata/a/c/d/k?where=x%20eq  $syncSource     trackingID=t     http://h/sdata/a/c/d/k/$syncSource?where=x%20eq&trackingID=t
 *
 * The endpoint's own query is kept as written, never re-encoded (two encodings of one `where` could
 * otherwise name two endpoints); parameters are appended with `&`, name and value percent-encoded
 * (`encodeURIComponent`), a parameter already in the query taking the new value in its place.
 */

/** Query parameters to add; undefined ones are left out. */
export type QueryParams = Readonly<Record<string, string | number | undefined>>;

/** How a parameter already in the URL is treated: given the new value (replace) or left as it is (keep). */
export type ExistingParam = 'replace' | 'keep';

interface SplitUrl {
  /** Everything before `?` (or `#`). */
  path: string;
  /** The query's `name=value` pairs, as written. */
  pairs: string[];
  /** `#...`, or empty. */
  fragment: string;
}

function split(url: string): SplitUrl {
  const hashAt = url.indexOf('#');
  const fragment = hashAt < 0 ? '' : url.slice(hashAt);
  const beforeHash = hashAt < 0 ? url : url.slice(0, hashAt);
  const queryAt = beforeHash.indexOf('?');
  if (queryAt < 0) return { path: beforeHash, pairs: [], fragment };
  return { path: beforeHash.slice(0, queryAt), pairs: beforeHash.slice(queryAt + 1).split('&').filter((p) => p !== ''), fragment };
}

function join(u: SplitUrl): string {
  return `${u.path}${u.pairs.length > 0 ? `?${u.pairs.join('&')}` : ''}${u.fragment}`;
}

/** The decoded name of a `name=value` pair (as written when it is not valid percent-encoding). */
function nameOf(pair: string): string {
  const eq = pair.indexOf('=');
  const raw = (eq < 0 ? pair : pair.slice(0, eq)).replace(/\+/g, ' ');
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function withPairs(u: SplitUrl, params: QueryParams, existing: ExistingParam): SplitUrl {
  const given = Object.entries(params).filter((e): e is [string, string | number] => e[1] !== undefined);
  if (given.length === 0) return u;
  const present = new Set(u.pairs.map(nameOf));
  const added = given.filter(([name]) => existing === 'replace' || !present.has(name));
  const replaced = existing === 'replace' ? new Set(added.map(([name]) => name)) : new Set<string>();
  return {
    ...u,
    pairs: [...u.pairs.filter((p) => !replaced.has(nameOf(p))), ...added.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`)],
  };
}

/** The URL with these query parameters added after its own (undefined ones left out). */
export function withParams(url: string, params: QueryParams, existing: ExistingParam = 'replace'): string {
  return join(withPairs(split(url), params, existing));
}

/**
 * `{ep}/{subResource}` with the endpoint's query kept and these parameters after it. `subResource` is a
 * path (`$syncTarget('ID')/$commit`); its parameters go in `params`.
 */
export function serviceUrl(endpointUrl: string, subResource: string, params: QueryParams = {}): string {
  if (/[?#]/.test(subResource)) throw new Error(`a sub-resource path has no query or fragment: '${subResource}' (give its parameters apart)`);
  const u = split(endpointUrl);
  return join(withPairs({ ...u, path: `${u.path.replace(/\/+$/, '')}/${subResource.replace(/^\/+/, '')}` }, params, 'replace'));
}
