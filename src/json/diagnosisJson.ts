/** Diagnoses in SData JSON (core 3.15): `{ "$diagnoses": [ { severity, sdataCode, applicationCode, message, payloadPath, requestId } ] }` (requestId: an extension, the request's X-Request-Id). */
import type { Diagnosis } from '../protocol/diagnosis';

export function diagnosesJson(diagnoses: readonly Diagnosis[]): { $diagnoses: Diagnosis[] } {
  return {
    $diagnoses: diagnoses.map((d) => ({
      severity: d.severity,
      sdataCode: d.sdataCode,
      ...(d.applicationCode !== undefined ? { applicationCode: d.applicationCode } : {}),
      message: d.message,
      ...(d.payloadPath !== undefined ? { payloadPath: d.payloadPath } : {}),
      ...(d.requestId !== undefined ? { requestId: d.requestId } : {}),
    })),
  };
}
