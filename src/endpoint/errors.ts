/**
 * Every error becomes an `sdata:diagnoses` body (PROTOCOL.md 5): an SDataError with its own status and
 * diagnoses; errors of the body reader (too large, bad charset, unreadable) as their 4xx diagnosis;
 * anything else as a 500 InternalServerError diagnosis, logged with its stack.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { diagnosesDocument } from '../atom/diagnosisXml';
import { bodyReaderError, SDataError, type BodyReaderFailure, type Diagnosis } from '../protocol/diagnosis';
import { XML_TYPE } from './http';

export function errorMiddleware(log: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const known = err instanceof SDataError ? err : bodyReaderError((err ?? {}) as BodyReaderFailure);
    let status: number;
    let diagnoses: Diagnosis[];
    if (known) {
      status = known.status;
      diagnoses = known.diagnoses;
    } else {
      status = 500;
      diagnoses = [{ severity: 'Error', sdataCode: 'InternalServerError', message: `internal error: ${(err as Error)?.message ?? String(err)}` }];
      log.error({ err, method: req.method, url: req.originalUrl }, 'request failed');
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(status).type(XML_TYPE).send(diagnosesDocument(diagnoses));
  };
}
