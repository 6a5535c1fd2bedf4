/** What a client's payload asks to write: its values, and the key and UUID it gives (POST, PUT, $batch). */
import type { ReadPayload } from '../atom/payloadRead';
import { badRequest } from '../protocol/diagnosis';
import type { NewResource } from '../store/resources';

/** 400 for a payload marked `sdata:isDeleted`: a client deletes with DELETE, not with a payload. */
export function newResourceOf(payload: ReadPayload, element: string): NewResource {
  if (payload.deleted) throw badRequest('a payload marked sdata:isDeleted cannot be written: DELETE the resource instead', 'DeletedPayload', element);
  return { key: payload.key, uuid: payload.uuid, values: payload.values };
}
