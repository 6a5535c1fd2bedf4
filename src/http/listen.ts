/**
 * The start and the stop of an HTTP server, one sequence for the endpoint server, the event logger and the
 * engine's listener. `listenBehindGate` creates the HTTP(S) server (`tls`: security/httpServer.ts) with the
 * start-up gate (startup.ts) as its listener and listens, so that a request is answered (503, /healthz,
 * /readyz) while the process opens its database; the port actually bound (port 0 gives a real one) makes
 * the URL. Then the caller says how the start ended:
 *
 *   ready(app, ping)   the app answers from now on; each request is work in flight until its answer has
 *                      left or its client has gone.
 *   failed()           the start was refused: 503 to whatever still arrives, listens no more, connections
 *                      cut (the process that asked can end).
 *
 * close() is the graceful stop, in this order: the gate answers "stopping" (/readyz 503, so no new work is
 * sent) and every answer from now on closes its connection; `ending` ends what would hold the stop
 * (streams, timers); no new connection is accepted; the idle connections are closed; the requests in
 * flight (and the caller's other `work`) finish within `graceMillis`; the connections still open are cut.
 */
import { Server as NetServer, type AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';
import type { Logger } from 'pino';
import type { TlsConfig } from '../config/securitySchema';
import { schemeOf } from '../config/securitySchema';
import { createHttpServer } from '../security/httpServer';
import { StartupGate } from './startup';
import { WorkInFlight } from './workInFlight';

interface ListenOptions {
  tls: TlsConfig | undefined;
  host: string;
  port: number;
  /** The host the URL names; by default the one listened on (bracketed when it is an IPv6 address). */
  urlHost?: string;
}

interface StopOptions {
  /** How long the requests in flight (and `work`) may take before their connections are cut; `Infinity`: no limit. */
  graceMillis: number;
  /** Called once the gate says "stopping", before listening stops: ends what would hold the stop (streams, timers). */
  ending?: () => Promise<void>;
  /** Work other than requests that the stop waits for too (e.g. `$syncTarget` pages applied after their 202). */
  work?: WorkInFlight;
  /** Told when the grace ends with work still running. */
  log?: Logger;
}

export interface Listening {
  /** `http(s)://{host}:{port}`, the port actually bound. */
  readonly url: string;
  readonly port: number;
  ready(app: RequestListener, ping: () => Promise<unknown>): void;
  failed(): void;
  close(stop: StopOptions): Promise<void>;
}

/**
 * How long an idle keep-alive connection stays open: longer than the 60 s idle timeout of common load
 * balancers and proxies, and than any pause of the event loop (a starting server compiles PGlite for
 * seconds), so that the server never closes a connection at the moment a client sends on it (a reset, not
 * an answer). A stop closes idle connections at once, whatever this is.
 */
const KEEP_ALIVE_MILLIS = 65_000;

export async function listenBehindGate(opts: ListenOptions): Promise<Listening> {
  const gate = new StartupGate();
  const server = createHttpServer(opts.tls).on('request', gate.listener);
  server.keepAliveTimeout = KEEP_ALIVE_MILLIS;
  server.headersTimeout = KEEP_ALIVE_MILLIS + 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.urlHost ?? (opts.host.includes(':') ? `[${opts.host}]` : opts.host);
  const requests = new WorkInFlight();
  let stopping = false;
  return {
    url: `${schemeOf(opts.tls)}://${host}:${port}`,
    port,
    ready(app, ping) {
      gate.ready((req, res) => {
        // Once stopping, every answer closes its connection, so that no client keeps sending on it.
        if (stopping) res.setHeader('Connection', 'close');
        // In flight from its arrival (its body still coming) until its answer has left or the client has gone.
        void requests.track(new Promise<void>((resolve) => res.once('close', () => resolve())));
        app(req, res);
      }, ping);
    },
    failed() {
      gate.failed();
      server.close();
      server.closeAllConnections();
    },
    async close({ graceMillis, ending, work, log }) {
      gate.stopping();
      stopping = true;
      await ending?.();
      // No new connection from now on. net.Server's own close: http.Server's would also cut the connections
      // that look idle, and one may carry a request sent just before the signal but not read yet.
      const closed = new Promise<void>((resolve, reject) => NetServer.prototype.close.call(server, (err) => (err ? reject(err) : resolve())));
      // Bytes that arrived with the signal are read in this turn of the event loop: such a request becomes work
      // in flight, which the stop waits for, and its answer closes its connection.
      await new Promise((resolve) => setImmediate(resolve));
      server.closeIdleConnections();
      const [answered, done] = await Promise.all([requests.idle(graceMillis), work?.idle(graceMillis) ?? true]);
      if (!(answered && done)) log?.warn({ running: requests.size + (work?.size ?? 0), graceMillis }, 'stopping with work still running');
      server.closeAllConnections();
      await closed;
    },
  };
}
