/**
 * The one check of every request, before any handler runs:
 *
 *   route of the request (METHOD pattern) ── not in the role table ──> 404 (405 + Allow if the URL is there
 *     │                                                                 for other methods)
 *     ├─ public ──> handler
 *     ├─ Basic credentials given (Authorization, else X-Authorization)
 *     │    ├─ too many wrong passwords of that user from that address, or from that address ──> 429
 *     │    │    + Retry-After (the password is not checked)
 *     │    ├─ unknown user / wrong password ──> 401
 *     │    └─ the user ───────────────────────────────┐
 *     ├─ a Bearer token given (Authorization, else X-Authorization)
 *     │    ├─ no security.bearer ──> 401              │
 *     │    ├─ too long, bad signature or algorithm, wrong iss / aud, expired, not yet valid,
 *     │    │    claims of the wrong shape ──> 401 (error="invalid_token")
 *     │    └─ the token's principal ──────────────────┤
 *     │                                               └─> has the role (admin has all) and may use the
 *     │                                                   application? ── no ──> 403   └─ yes ──> handler
 *     └─ none: the anonymous roles grant it? ── no ──> 401
 *
 * A 401 challenges with the schemes the server accepts: `WWW-Authenticate: Basic realm="sdata-sync"`, and
 * `Bearer realm="sdata-sync"` too with security.bearer; a refused token gets `Bearer realm="sdata-sync",
 * error="invalid_token"` (RFC 6750). None is sent when the request says `X-Authorization-Mode: no-challenge`
 * (SData clients in a browser, PROTOCOL.md 8). Every refusal is an SDataError (an sdata:diagnoses body) and
 * nothing has run; none quotes a token or a password. The user of an authenticated request is kept for the
 * handlers (`requestUser`): local changes record it in their sync state; its principal too
 * (`requestPrincipal`), whose partitions scope what it reaches below the routes (scope.ts).
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { parse as parseBasic } from 'basic-auth';
import { SDataError } from '../protocol/diagnosis';
import { clientAddress } from './loginThrottle';
import type { Principal, SecurityPolicy } from './policy';
import { describeAccess, listedMethods, requiredAccess, rolesGrant, type Access, type RoleTable } from './roles';

const REALM = 'sdata-sync';
const BASIC_CHALLENGE = `Basic realm="${REALM}", charset="UTF-8"`;
const BEARER_CHALLENGE = `Bearer realm="${REALM}"`;
const INVALID_TOKEN_CHALLENGE = `Bearer realm="${REALM}", error="invalid_token"`;

/** What the role table needs to know of a request: its route pattern, and the application it names. */
export interface RouteOf {
  pattern: string;
  app?: string;
}

type Given = { basic: { name: string; pass: string } } | { bearer: string };

/** Credentials from `Authorization`, else `X-Authorization`: Basic, or a Bearer token; undefined when neither holds any. */
function credentialsOf(req: Request): Given | undefined {
  for (const header of ['authorization', 'x-authorization']) {
    const value = req.get(header);
    if (!value) continue;
    if (/^bearer(\s|$)/i.test(value)) return { bearer: value.slice('bearer'.length).trim() };
    const parsed = parseBasic(value);
    if (parsed) return { basic: parsed };
  }
  return undefined;
}

function unauthorized(req: Request, res: Response, message: string, challenges: string[], applicationCode?: string): SDataError {
  if ((req.get('x-authorization-mode') ?? '').toLowerCase() !== 'no-challenge') res.setHeader('WWW-Authenticate', challenges);
  return new SDataError(401, { sdataCode: 'Unauthorized', ...(applicationCode ? { applicationCode } : {}), message });
}

/** The schemes a 401 for missing or wrong credentials names. */
const challengesOf = (policy: SecurityPolicy): string[] => (policy.bearer ? [BASIC_CHALLENGE, BEARER_CHALLENGE] : [BASIC_CHALLENGE]);

/** The principal of a Bearer token, or the 401 refusing it. */
async function tokenPrincipal(policy: SecurityPolicy, token: string, req: Request, res: Response): Promise<Principal> {
  if (!policy.bearer) throw unauthorized(req, res, 'bearer tokens are not accepted here (no security.bearer): give HTTP Basic credentials', challengesOf(policy));
  const checked = await policy.bearer.verify(token);
  if ('refused' in checked) throw unauthorized(req, res, `invalid token: ${checked.refused}`, [INVALID_TOKEN_CHALLENGE], 'InvalidToken');
  return checked.principal;
}

/** The principal of Basic credentials, or the 401 (wrong) or 429 (locked out) refusing them. */
async function userPrincipal(policy: SecurityPolicy, given: { name: string; pass: string }, req: Request, res: Response): Promise<Principal> {
  const outcome = await policy.authenticate(given.name, given.pass, clientAddress(req.socket.remoteAddress));
  if ('principal' in outcome) return outcome.principal;
  if (outcome.refused === 'credentials') throw unauthorized(req, res, 'unknown user or wrong password', challengesOf(policy));
  const seconds = Math.max(1, Math.ceil(outcome.retryAfterMillis / 1000));
  res.setHeader('Retry-After', String(seconds));
  throw new SDataError(429, { sdataCode: 'Unauthorized', applicationCode: 'TooManyFailedLogins', message: `too many wrong passwords for this user from this address: try again in ${seconds} s` });
}

function notListed(req: Request, res: Response, table: RoleTable, pattern: string): SDataError {
  const allowed = listedMethods(table, pattern);
  if (allowed.length === 0) return new SDataError(404, { sdataCode: 'BadUrlSyntax', message: `nothing is served at ${req.path}` });
  res.setHeader('Allow', allowed.join(', '));
  return new SDataError(405, { sdataCode: 'MethodNotAllowed', message: `${req.method} is not allowed on ${pattern} (allowed: ${allowed.join(', ')})` });
}

/** Why the principal may not do it; undefined when it may. */
function refusal(who: Principal, needed: Exclude<Access, 'public'>, route: RouteOf, method: string): string | undefined {
  if (!rolesGrant(who.roles, needed)) return `${method} ${route.pattern} needs ${describeAccess(needed)}`;
  if (route.app !== undefined && who.applications && !who.applications.includes(route.app)) return `may not use application '${route.app}'`;
  return undefined;
}

async function check(policy: SecurityPolicy, table: RoleTable, routeOf: (req: Request) => RouteOf, req: Request, res: Response): Promise<void> {
  const route = routeOf(req);
  const needed = requiredAccess(table, req.method, route.pattern);
  if (needed === undefined) throw notListed(req, res, table, route.pattern);
  if (needed === 'public') return;
  const given = credentialsOf(req);
  if (!given) {
    const why = refusal(policy.anonymous, needed, route, req.method);
    if (why) throw unauthorized(req, res, `credentials needed (${policy.bearer ? 'HTTP Basic or a Bearer token' : 'HTTP Basic'}): ${why}`, challengesOf(policy));
    res.locals.principal = policy.anonymous;
    return;
  }
  const who = 'bearer' in given ? await tokenPrincipal(policy, given.bearer, req, res) : await userPrincipal(policy, given.basic, req, res);
  const why = refusal(who, needed, route, req.method);
  if (why) throw new SDataError(403, { sdataCode: 'Forbidden', message: `user '${who.user}' is refused: ${why}` });
  res.locals.user = who.user;
  res.locals.principal = who;
}

/** Middleware refusing every request the policy and the role table do not allow. */
export function accessControl(policy: SecurityPolicy, table: RoleTable, routeOf: (req: Request) => RouteOf): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    check(policy, table, routeOf, req, res).then(() => next(), next);
  };
}

/**
 * Who made a request that passed accessControl (the anonymous principal for one without credentials);
 * undefined for a public route, which names no principal.
 */
export function requestPrincipal(res: Response): Principal | undefined {
  return res.locals.principal as Principal | undefined;
}

/** The authenticated user of a request that passed accessControl; undefined for an anonymous one. */
export function requestUser(res: Response): string | undefined {
  return typeof res.locals.user === 'string' ? res.locals.user : undefined;
}
