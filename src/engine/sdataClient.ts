/**
 * The engine's HTTP client for SData endpoints, on undici's `request` (kept-alive connections; about a fifth
 * of the CPU of `fetch` a request, which counts for a push of two small requests).
 *
 * - Every request carries the run's `runName` and `runStamp` query parameters.
 * - An exchange is one request and, when it is answered 202, the polling of its Location until the final
 *   answer, waiting the tracking body's `pollingMillis` (kept within configured bounds) between polls;
 *   an answer of 200 at once ends the exchange at once.
 * - An exchange that fails transiently (a Transient diagnosis, 5xx, 408/429, an unreachable endpoint, a
 *   poll that outlives its timeout) is tried again whole with exponential backoff. Its URL is rebuilt for
 *   each attempt, so a retried `$syncSource`/`$syncTarget` POST gets a fresh trackingID.
 * - A final answer that is not 2xx is thrown as an EndpointError carrying the diagnoses it held.
 * - Every request of a client carries the client's request id as `X-Request-Id` (polls and retries too). The
 *   engine makes one client per pass or push, so one id names every request of that pass or push at every
 *   endpoint and logger it talks to: one failed entry is traced across processes by that one id.
 * - A client may carry a credential (`withAuth`), sent as `Authorization: Basic` on each of its requests
 *   (polls included), and a dispatcher trusting extra certificate authorities (`trustingCaFile`).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { performance } from 'node:perf_hooks';
import { backOff } from 'exponential-backoff';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import { diagnosesIn } from '../atom/diagnosisXml';
import { parseTracking } from '../atom/tracking';
import { parseXml } from '../atom/xml';
import type { Diagnosis } from '../protocol/diagnosis';
import { authorizationOf, type Credential } from '../security/credentials';
import { describeError, EndpointError, isTransient } from './errors';

export { FEED_TYPE } from '../atom/feed';
export { ENTRY_TYPE } from '../atom/resourceXml';

export interface RunTag {
  runName: string;
  runStamp: string;
}

export interface RetryPolicy {
  attempts: number;
  startingDelayMillis: number;
  maxDelayMillis: number;
}

export interface PollPolicy {
  minMillis: number;
  maxMillis: number;
  timeoutSeconds: number;
}

const defaultRetry: RetryPolicy = { attempts: 6, startingDelayMillis: 200, maxDelayMillis: 10_000 };
const defaultPoll: PollPolicy = { minMillis: 5, maxMillis: 5_000, timeoutSeconds: 600 };
/** Wait between polls when a 202 answer gives no pollingMillis. */
const DEFAULT_POLL_MILLIS = 100;

export interface ClientOptions {
  run: RunTag;
  retry?: RetryPolicy;
  poll?: PollPolicy;
  requestTimeoutMillis?: number;
  log?: Logger;
  /** Sent as Basic credentials on every request of this client. */
  auth?: Credential;
  /** Connection pool to use (e.g. one trusting extra certificate authorities). */
  dispatcher?: Dispatcher;
  /** Sent as X-Request-Id on every request; a new UUID when not given. */
  requestId?: string;
}

/**
 * undici, loaded on the first request (or pool) of the process: a command that makes none (`--help`, a
 * configuration error) does not pay for it.
 */
function undici(): typeof import('undici') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('undici') as typeof import('undici');
}

/** A connection pool trusting the system's certificate authorities and those of a PEM file. */
export function trustingCaFile(caFile: string): Dispatcher {
  let pem: string;
  try {
    pem = readFileSync(caFile, 'utf8');
  } catch (err) {
    throw new Error(`cannot read engine.caFile ${caFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return new (undici().Agent)({ connect: { ca: [...rootCertificates, pem] } });
}

export interface Answer {
  status: number;
  /** The URL that gave this answer (after polling: the tracking URL). */
  url: string;
  /** The Location header resolved against the request URL; after polling, the tracking URL when none is given. */
  location?: string;
  contentType: string;
  body: string;
}

export interface Body {
  text: string;
  type: string;
}

type UrlSource = string | (() => string);

/** The URL with the run's runName and runStamp added (kept when already there). */
export function tagWithRun(url: string, run: RunTag): string {
  const u = new URL(url);
  if (!u.searchParams.has('runName')) u.searchParams.set('runName', run.runName);
  if (!u.searchParams.has('runStamp')) u.searchParams.set('runStamp', run.runStamp);
  return u.toString();
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One header of an answer (the first, when it came more than once). */
function headerOf(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function diagnosesOfBody(status: number, body: string): Diagnosis[] {
  if (body.trim().startsWith('<')) {
    try {
      const found = diagnosesIn(parseXml(body));
      if (found.length > 0) return found;
    } catch {
      // not XML we can read: described below
    }
  }
  const text = body.replace(/\s+/g, ' ').trim().slice(0, 300);
  return [{ severity: status >= 500 ? 'Transient' : 'Error', sdataCode: status >= 500 ? 'InternalServerError' : 'ApplicationDiagnosis', message: `HTTP ${status}${text ? `: ${text}` : ''}` }];
}

export class SDataClient {
  readonly run: RunTag;
  private readonly retry: RetryPolicy;
  private readonly poll: PollPolicy;
  private readonly timeoutMillis: number;
  private readonly log?: Logger;
  private readonly authorization?: string;
  /** The X-Request-Id of every request of this client. */
  readonly requestId: string;

  constructor(private readonly opts: ClientOptions) {
    this.run = opts.run;
    this.requestId = opts.requestId ?? randomUUID();
    this.authorization = opts.auth ? authorizationOf(opts.auth) : undefined;
    this.retry = opts.retry ?? defaultRetry;
    this.poll = opts.poll ?? defaultPoll;
    this.timeoutMillis = opts.requestTimeoutMillis ?? 300_000;
    this.log = opts.log;
  }

  /** The same client (run, policies, connections) sending this credential, or none. */
  withAuth(auth: Credential | undefined): SDataClient {
    return new SDataClient({ ...this.opts, auth, requestId: this.requestId });
  }

  /** One request, tagged with the run; no polling, no retry. Throws EndpointError when no answer comes. */
  async request(method: string, url: string, body?: Body): Promise<Answer> {
    const tagged = tagWithRun(url, this.run);
    const started = performance.now();
    let res: Dispatcher.ResponseData;
    let text: string;
    try {
      const headers: Record<string, string> = { accept: 'application/atom+xml, application/xml', 'x-request-id': this.requestId };
      if (body) headers['content-type'] = body.type;
      if (this.authorization) headers.authorization = this.authorization;
      // The timeout bounds the wait for the answer's head and each wait for more of its body.
      res = await undici().request(tagged, {
        method: method as Dispatcher.HttpMethod,
        headers,
        body: body?.text,
        headersTimeout: this.timeoutMillis,
        bodyTimeout: this.timeoutMillis,
        ...(this.opts.dispatcher ? { dispatcher: this.opts.dispatcher } : {}),
      });
      text = await res.body.text();
    } catch (err) {
      const e = err as { code?: string; cause?: { code?: string }; message?: string };
      const reason = e.code ?? e.cause?.code ?? e.message;
      throw new EndpointError(
        method,
        url,
        undefined,
        [{ severity: 'Transient', sdataCode: 'ApplicationUnavailable', message: `${method} ${url}: no answer (${reason})` }],
        `${method} ${url}: no answer (${reason})`,
        { cause: err },
      );
    }
    const location = headerOf(res.headers, 'location');
    this.log?.debug({ requestId: this.requestId, method, url, status: res.statusCode, bytes: text.length, millis: Math.round(performance.now() - started) }, 'request answered');
    return {
      status: res.statusCode,
      url,
      location: location ? new URL(location, url).toString() : undefined,
      contentType: headerOf(res.headers, 'content-type') ?? '',
      body: text,
    };
  }

  /** Polls a 202 answer's Location until a final answer (any status but 202). */
  async settle(first: Answer, method: string): Promise<Answer> {
    let answer = first;
    const deadline = Date.now() + this.poll.timeoutSeconds * 1000;
    while (answer.status === 202) {
      const tracking = answer.location;
      if (!tracking) {
        throw new EndpointError(method, answer.url, 202, [], `${method} ${answer.url}: 202 Accepted without a Location to poll`);
      }
      if (Date.now() > deadline) {
        throw new EndpointError(
          'GET',
          tracking,
          undefined,
          [{ severity: 'Transient', sdataCode: 'ApplicationDiagnosis', applicationCode: 'PollTimeout', message: `still 202 after ${this.poll.timeoutSeconds} s` }],
          `GET ${tracking}: still 202 after ${this.poll.timeoutSeconds} s`,
        );
      }
      await sleep(this.pollingWait(answer.body));
      const next = await this.request('GET', tracking);
      // The tracking URL names the context (to DELETE later) whatever the final answer says.
      answer = { ...next, location: next.location ?? tracking };
    }
    return answer;
  }

  private pollingWait(trackingBody: string): number {
    let wanted = DEFAULT_POLL_MILLIS;
    try {
      wanted = parseTracking(trackingBody).pollingMillis ?? DEFAULT_POLL_MILLIS;
    } catch {
      // a tracking body we cannot read: keep the default wait
    }
    return Math.min(this.poll.maxMillis, Math.max(this.poll.minMillis, wanted));
  }

  /**
   * One exchange (request, then polling while 202), retried whole on transient failures. Returns the final
   * 2xx answer; throws EndpointError with the endpoint's diagnoses otherwise.
   */
  async exchange(method: string, url: UrlSource, body?: Body): Promise<Answer> {
    const attempt = async (): Promise<Answer> => {
      const target = typeof url === 'function' ? url() : url;
      const final = await this.settle(await this.request(method, target, body), method);
      if (final.status >= 200 && final.status < 300) return final;
      const diagnoses = diagnosesOfBody(final.status, final.body);
      throw new EndpointError(method, final.url, final.status, diagnoses, `${method} ${final.url}: ${final.status} ${diagnoses[0]?.message ?? ''}`.trim());
    };
    return backOff(attempt, {
      numOfAttempts: this.retry.attempts,
      startingDelay: this.retry.startingDelayMillis,
      maxDelay: this.retry.maxDelayMillis,
      timeMultiple: 2,
      jitter: 'full',
      // Called after every failed attempt, the last one included (`failed` attempts so far).
      retry: (err: unknown, failed: number) => {
        if (!isTransient(err) || failed >= this.retry.attempts) return false;
        this.log?.warn({ method, attempt: failed + 1, of: this.retry.attempts, err: describeError(err) }, 'transient failure; trying again');
        return true;
      },
    });
  }
}
