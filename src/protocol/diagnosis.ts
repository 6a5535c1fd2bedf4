/** SData diagnoses (PROTOCOL.md section 5) and the error that carries them to an HTTP answer. */

export type Severity = 'Info' | 'Warning' | 'Transient' | 'Error' | 'Fatal';

export type SDataCode =
  | 'BadUrlSyntax'
  | 'BadQueryParameter'
  | 'ApplicationNotFound'
  | 'ApplicationUnavailable'
  | 'ContractNotFound'
  | 'DatasetNotFound'
  | 'ResourceKindNotFound'
  | 'ResourceKindNotImplemented'
  | 'ResourceNotFound'
  | 'BadRequest'
  | 'BadWhereSyntax'
  | 'Unauthorized'
  | 'Forbidden'
  | 'Conflict'
  | 'PreconditionFailed'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'MethodNotAllowed'
  | 'ApplicationDiagnosis'
  | 'InternalServerError';

export interface Diagnosis {
  severity: Severity;
  sdataCode: SDataCode;
  applicationCode?: string;
  message: string;
  /** XPath-like pointer into the payload, e.g. `account/balance`. */
  payloadPath?: string;
  /** The X-Request-Id of the request whose answer carried the diagnosis (extension `x:requestId`). */
  requestId?: string;
}

/** The most diagnoses one answer lists; the rest are counted in one last diagnosis. */
export const MAX_DIAGNOSES = 20;

/**
 * `diagnoses` as one answer lists them: all of them when there are at most MAX_DIAGNOSES, else the first
 * MAX_DIAGNOSES and a last one (applicationCode `MoreDiagnoses`) saying how many more there were.
 */
export function cappedDiagnoses(diagnoses: readonly Diagnosis[]): Diagnosis[] {
  if (diagnoses.length <= MAX_DIAGNOSES) return [...diagnoses];
  const left = diagnoses.length - MAX_DIAGNOSES;
  const first = diagnoses[0];
  return [
    ...diagnoses.slice(0, MAX_DIAGNOSES),
    { severity: first.severity, sdataCode: first.sdataCode, applicationCode: 'MoreDiagnoses', message: `${left} more diagnos${left === 1 ? 'is' : 'es'} of this request left out (an answer lists the first ${MAX_DIAGNOSES})` },
  ];
}

/** An error answered as an `sdata:diagnoses` body with the given HTTP status (at most MAX_DIAGNOSES and a count of the rest). */
export class SDataError extends Error {
  readonly status: number;
  readonly diagnoses: Diagnosis[];

  constructor(status: number, diagnosis: Omit<Diagnosis, 'severity'> & { severity?: Severity }, more: Diagnosis[] = []) {
    super(diagnosis.message);
    this.name = 'SDataError';
    this.status = status;
    this.diagnoses = cappedDiagnoses([{ severity: diagnosis.severity ?? 'Error', ...diagnosis } as Diagnosis, ...more]);
  }

  /** The same error with each of its diagnoses rewritten (the list stays as it was capped). */
  withDiagnoses(rewrite: (d: Diagnosis) => Diagnosis): SDataError {
    const copy = new SDataError(this.status, rewrite(this.diagnoses[0]));
    (copy as { diagnoses: Diagnosis[] }).diagnoses = this.diagnoses.map(rewrite);
    return copy;
  }
}

export const badRequest = (message: string, applicationCode?: string, payloadPath?: string): SDataError =>
  new SDataError(400, { sdataCode: 'BadRequest', message, applicationCode, payloadPath });

/** What a failing body reader (express.text, body-parser) reports: an HTTP status and a type. */
export interface BodyReaderFailure {
  status?: number;
  statusCode?: number;
  type?: string;
  limit?: number;
  message?: string;
}

/** A body reader's failure (too large, bad charset, unreadable) as its 4xx diagnosis; undefined for any other error. */
export function bodyReaderError(err: BodyReaderFailure): SDataError | undefined {
  const status = err.status ?? err.statusCode;
  if (err.type === 'entity.too.large' || status === 413) {
    return new SDataError(413, { sdataCode: 'RequestEntityTooLarge', message: `the request body is over the limit of ${err.limit ?? '?'} bytes` });
  }
  if (err.type === 'charset.unsupported' || err.type === 'encoding.unsupported' || status === 415) {
    return new SDataError(415, { sdataCode: 'UnsupportedMediaType', message: err.message ?? 'unsupported media type' });
  }
  if (status !== undefined && status >= 400 && status < 500) return new SDataError(status, { sdataCode: 'BadRequest', message: err.message ?? 'the request body cannot be read' });
  return undefined;
}
