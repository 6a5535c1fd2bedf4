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
}

/** An error answered as an `sdata:diagnoses` body with the given HTTP status. */
export class SDataError extends Error {
  readonly status: number;
  readonly diagnoses: Diagnosis[];

  constructor(status: number, diagnosis: Omit<Diagnosis, 'severity'> & { severity?: Severity }, more: Diagnosis[] = []) {
    super(diagnosis.message);
    this.name = 'SDataError';
    this.status = status;
    this.diagnoses = [{ severity: diagnosis.severity ?? 'Error', ...diagnosis } as Diagnosis, ...more];
  }
}

export const badRequest = (message: string, applicationCode?: string, payloadPath?: string): SDataError =>
  new SDataError(400, { sdataCode: 'BadRequest', message, applicationCode, payloadPath });
