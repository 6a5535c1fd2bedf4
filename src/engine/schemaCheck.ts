/**
 * Whether the two ends of a pass declare the same kind (PROTOCOL.md 2.7): each end's `$schema` shows the
 * kind's `x:schemaVersion`; when both show one and they differ, the pass goes on (a property one end does not
 * know is left out there, and kept where it is known) and the engine warns once per pass and kind, in its
 * log and to the event loggers (`SchemaVersionsDiffer`). An end that shows no version (another SData
 * provider, a `$schema` that cannot be read) is not compared.
 */
import { parseSchemaKinds } from '../atom/schemaKinds';
import { parseXml } from '../atom/xml';
import type { Diagnosis } from '../protocol/diagnosis';
import type { SDataClient } from './sdataClient';
import { serviceUrl } from '../protocol/serviceUrl';

export interface SchemaVersions {
  source?: string;
  target?: string;
}

/** The Warning of a kind whose two ends show different schema versions; undefined when they agree or one is not known. */
export function schemaDifference(kind: string, v: SchemaVersions): Diagnosis | undefined {
  if (!v.source || !v.target || v.source === v.target) return undefined;
  return {
    severity: 'Warning',
    sdataCode: 'ApplicationDiagnosis',
    applicationCode: 'SchemaVersionsDiffer',
    message: `the two ends declare ${kind} differently (source ${v.source}, target ${v.target}): properties one end does not know are left out there and kept where they are known`,
  };
}

/**
 * The schema version of an endpoint's kind, from `{ep}/$schema`, asked once (no retries: an end that does not
 * answer fails the pass's own requests soon enough); undefined when it shows none or cannot be read.
 */
async function endpointSchemaVersion(client: SDataClient, endpointUrl: string): Promise<string | undefined> {
  try {
    const answer = await client.request('GET', serviceUrl(endpointUrl, '$schema'));
    if (answer.status !== 200) return undefined;
    return parseSchemaKinds(parseXml(answer.body))[0]?.schemaVersion;
  } catch {
    return undefined;
  }
}

/** The schema versions of both ends of an endpoint pair. */
export async function endpointSchemaVersions(client: SDataClient, source: string, target: string): Promise<SchemaVersions> {
  const [s, t] = await Promise.all([endpointSchemaVersion(client, source), endpointSchemaVersion(client, target)]);
  return { source: s, target: t };
}
