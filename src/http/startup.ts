/**
 * The HTTP server's start-up gate, shared by the endpoint server, the event logger and the engine (through
 * listen.ts). The port is bound first (so that a server given port 0 knows its URL before it registers its
 * endpoints), and every request that arrives is answered whatever the state; none waits for the database:
 *
 *   GET /healthz   200 "ok" in every state: the process is alive.
 *   GET /readyz    200 once ready and the database answers a query; 503 otherwise.
 *   anything else  503 + Retry-After + an `sdata:diagnoses` body until ready, then the application.
 *
 *        listen                ready(app, ping)              close()
 *   ───────────▶ starting ─────────────────────────▶ ready ─────────▶ stopping
 *                   │  failed(err): start-up threw;                    (/readyz 503, so no new work is sent;
 *                   │                                                  requests still arriving on open
 *                   │                                                  connections are served while the
 *                   │                                                  work in flight finishes)
 *                   └────────────────────────────▶ failed (503 until the process exits)
 *
 * The health routes are answered here, before any application middleware: they need no credentials.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { diagnosesDocument } from '../atom/diagnosisXml';
import type { Diagnosis } from '../protocol/diagnosis';

export type StartupState = 'starting' | 'ready' | 'failed' | 'stopping';

/** Seconds a client is told to wait (Retry-After) while the server is starting. */
const RETRY_AFTER_SECONDS = 1;
/** /readyz answers 503 when the database has not answered within this time. */
const PING_TIMEOUT_MILLIS = 2_000;

const HEALTH_PATH = /^\/healthz\/?$/;
const READY_PATH = /^\/readyz\/?$/;

const WHY_UNAVAILABLE: Record<Exclude<StartupState, 'ready'>, string> = {
  starting: 'the server is starting (opening its database and running migrations)',
  failed: 'the server failed to start; see its log',
  stopping: 'the server is shutting down',
};

function unavailable(res: ServerResponse, message: string, retry: boolean): void {
  const diagnosis: Diagnosis = { severity: 'Transient', sdataCode: 'ApplicationUnavailable', message };
  res.statusCode = 503;
  if (retry) res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
  res.setHeader('Content-Type', 'application/xml');
  res.end(diagnosesDocument([diagnosis]));
}

function withTimeout<T>(p: Promise<T>, millis: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${millis} ms`)), millis);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export class StartupGate {
  private state: StartupState = 'starting';
  private app?: RequestListener;
  private ping?: () => Promise<unknown>;

  /** The listener to give `http.createServer` before it listens. */
  readonly listener: RequestListener = (req, res) => this.handle(req, res);

  get current(): StartupState {
    return this.state;
  }

  /** From now on requests go to `app`; /readyz asks `ping` (a trivial database query) each time. */
  ready(app: RequestListener, ping: () => Promise<unknown>): void {
    if (this.state !== 'starting') return;
    this.app = app;
    this.ping = ping;
    this.state = 'ready';
  }

  failed(): void {
    if (this.state === 'starting') this.state = 'failed';
  }

  stopping(): void {
    this.state = 'stopping';
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?', 1)[0];
    const isGet = req.method === 'GET' || req.method === 'HEAD';
    if (isGet && HEALTH_PATH.test(path)) {
      res.statusCode = 200;
      res.setHeader('Content-Type', 'text/plain');
      res.end('ok');
      return;
    }
    if (isGet && READY_PATH.test(path)) {
      void this.answerReady(res);
      return;
    }
    if ((this.state === 'ready' || this.state === 'stopping') && this.app) {
      this.app(req, res);
      return;
    }
    // The body (if any) is not read: drain it so the connection can carry the answer.
    req.resume();
    unavailable(res, `${WHY_UNAVAILABLE[this.state as Exclude<StartupState, 'ready'>]}; try again in ${RETRY_AFTER_SECONDS} s`, this.state === 'starting');
  }

  private async answerReady(res: ServerResponse): Promise<void> {
    if (this.state !== 'ready' || !this.ping) {
      unavailable(res, `not ready: ${WHY_UNAVAILABLE[this.state as Exclude<StartupState, 'ready'>]}`, this.state === 'starting');
      return;
    }
    try {
      await withTimeout(this.ping(), PING_TIMEOUT_MILLIS);
    } catch {
      unavailable(res, 'not ready: the database does not answer', true);
      return;
    }
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/plain');
    res.end('ready');
  }
}
