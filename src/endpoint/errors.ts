/**
 * Every error becomes an `sdata:diagnoses` body (PROTOCOL.md 5): an SDataError with its own status and
 * diagnoses; errors of the body reader (too large, bad charset, unreadable) as their 4xx diagnosis;
 * anything else as a 500 that says only that it failed, with a correlation id under which the error and its
 * stack are logged (http/internalError.ts). A request that asks for JSON (format.ts) gets
 * `{ "$diagnoses": [...] }` instead. Every diagnosis carries the request id (`x:requestId`, `requestId`).
 */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { diagnosesDocument } from '../atom/diagnosisXml';
import { bodyReaderError, SDataError, type BodyReaderFailure, type Diagnosis } from '../protocol/diagnosis';
import { internalErrorDiagnosis } from '../http/internalError';
import { requestIdOfRequest } from '../http/requestId';
import { XML_TYPE } from './httpBodies';
import { answerFormat, sendJson } from './format';
import { diagnosesJson } from '../json/diagnosisJson';

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
      diagnoses = [internalErrorDiagnosis(err, req, res, log)];
    }
    // Each diagnosis names the request it answers, so that it can be found in the server's log.
    const requestId = requestIdOfRequest(req);
    diagnoses = diagnoses.map((d) => ({ ...d, requestId: d.requestId ?? requestId }));
    if (res.headersSent) {
      res.end();
      return;
    }
    if (answerFormat(req) === 'json') sendJson(res, status, diagnosesJson(diagnoses));
    else res.status(status).type(XML_TYPE).send(diagnosesDocument(diagnoses));
  };
}
