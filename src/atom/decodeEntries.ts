/**
 * Turns the entries of a received sync feed into decoded entries for the page planner: each payload is
 * read against the kind's configuration (a property the kind does not declare is left out with a Warning,
 * PROTOCOL.md 2.7); an entry whose payload is wrong (or has no UUID), or whose sync
 * metadata cannot be read (then it has no sync state), carries its diagnoses and is quarantined alone. The
 * raw form kept in quarantine is decoded again, against the kind as configured then, when it is retried
 * (store/syncApply.ts).
 */
import type { ParsedSyncEntry, UnreadableSyncEntry } from './syncEntry';
import { readPayloadValues } from './payloadRead';
import type { XmlElement } from './xml';
import type { EndpointDef } from '../config/catalog';
import type { Diagnosis } from '../protocol/diagnosis';
import type { DecodedEntry } from '../protocol/pagePlan';
import { NIL_UUID } from '../protocol/pageIdentity';
import type { Digest, SyncState } from '../protocol/types';

/** What the quarantine keeps of an entry: everything needed to decode it again. */
export interface QuarantinedEntry {
  index: number;
  id?: string;
  uuid?: string;
  givenUuid?: string;
  /** Absent when the entry's sync metadata could not be read (`unreadable` says why). */
  state?: SyncState;
  knowledge?: Digest;
  deleted: boolean;
  payload?: XmlElement;
  /** Why the entry's sync metadata could not be read: it stays quarantined, whatever its payload. */
  unreadable?: Diagnosis[];
}

function uuidProblem(e: QuarantinedEntry): Diagnosis {
  const payloadPath = `entry[${e.index}]/payload`;
  if (!e.givenUuid) return { severity: 'Error', sdataCode: 'ApplicationDiagnosis', applicationCode: 'MissingUuid', message: 'the entry has no sdata:uuid', payloadPath };
  const why = e.givenUuid === NIL_UUID ? 'is the nil UUID, which names no resource' : 'is not a UUID';
  return { severity: 'Error', sdataCode: 'ApplicationDiagnosis', applicationCode: 'InvalidUuid', message: `sdata:uuid '${e.givenUuid}' ${why}`, payloadPath };
}

export function decodeEntry(e: QuarantinedEntry, def: EndpointDef): DecodedEntry {
  const problems: Diagnosis[] = [...(e.unreadable ?? [])];
  let values: unknown;
  let warnings: Diagnosis[] = [];
  if (!e.uuid) problems.push(uuidProblem(e));
  if (!e.deleted) {
    if (!e.payload) {
      problems.push({ severity: 'Error', sdataCode: 'ApplicationDiagnosis', applicationCode: 'MissingPayload', message: 'the entry has no sdata:payload', payloadPath: `entry[${e.index}]` });
    } else {
      // A property this kind does not declare is left out, with a Warning (PROTOCOL.md 2.7).
      const read = readPayloadValues(e.payload, def.kind, def.app, { leaveOutUnknown: true });
      if (read.diagnoses.length > 0) problems.push(...read.diagnoses);
      else values = read.payload.values;
      warnings = read.warnings;
    }
  }
  // The payload tree is kept only for an entry that may be quarantined (the only reader of `raw.payload`),
  // so a page's XML is not held while its writes run. A table-backed kind's table may still refuse a valid
  // entry (a constraint, a reference not here yet), and a partitioned kind's page may quarantine one (falling
  // in no partition, or outside the poster's partitions, PROTOCOL.md 2.9, 3.3): their entries keep their payload.
  const raw: QuarantinedEntry = problems.length > 0 || def.kind.table || (def.kind.partitions?.length ?? 0) > 0 ? e : { ...e, payload: undefined };
  return { index: e.index, uuid: e.uuid, givenUuid: e.givenUuid, state: e.state, knowledge: e.knowledge, deleted: e.deleted, values, problems, ...(warnings.length > 0 ? { warnings } : {}), raw };
}

/** Decodes one entry of a received sync feed (given to parseSyncFeed, so each entry is decoded as it is read). */
export function decodeSyncEntry(e: ParsedSyncEntry, def: EndpointDef): DecodedEntry {
  return decodeEntry({ index: e.index, id: e.id, uuid: e.uuid, givenUuid: e.givenUuid, state: e.state, knowledge: e.knowledge, deleted: e.deleted, payload: e.payload }, def);
}

/** Decodes an entry whose sync metadata could not be read: quarantined with that diagnosis (and any other). */
export function decodeUnreadableEntry(e: UnreadableSyncEntry, def: EndpointDef): DecodedEntry {
  return decodeEntry({ index: e.index, id: e.id, uuid: e.uuid, givenUuid: e.givenUuid, deleted: e.deleted, payload: e.payload, unreadable: e.problems }, def);
}
