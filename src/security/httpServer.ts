/** The HTTP server of the endpoint server, the event logger and the engine (http/listen.ts): plain HTTP, or HTTPS with `tls: { cert, key }`. */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TlsConfig } from '../config/securitySchema';

/** An HTTP server, or an HTTPS one with the PEM files of `tls` (read at once: a bad path fails the start). */
export function createHttpServer(tls: TlsConfig | undefined): Server {
  if (!tls) return createServer();
  const read = (what: string, file: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`cannot read the TLS ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  return createHttpsServer({ cert: read('certificate', tls.cert), key: read('key', tls.key) });
}
