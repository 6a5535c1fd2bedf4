/**
 * One `$syncNotify` event (PROTOCOL.md 7): the endpoint's digest as the `$syncDigest` entry document, with
 * an id that names the digest's content (ticks and priorities, not stamps), so a client reconnecting with
 * `Last-Event-ID` is sent the digest again only when it moved since the event it saw.
 */
import { createHash } from 'node:crypto';
import { digestEntryDocument } from '../../atom/digestXml';
import type { Digest } from '../../protocol/types';

export type DigestEventType = 'digest' | 'heartbeat';

export interface DigestEvent {
  id: string;
  digest: Digest;
  /** The entry document, on one line. */
  data: string;
}

/** The id of a digest's content: equal ids, equal ticks and priorities. */
function digestEventId(d: Digest): string {
  const text = d.entries.map((e) => `${e.endpoint} ${e.tick} ${e.conflictPriority}`).join('\n');
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

export function digestEvent(d: Digest, endpointUrl: string): DigestEvent {
  const data = digestEntryDocument(d, endpointUrl, new Date().toISOString()).replace(/\r?\n\s*/g, '');
  return { id: digestEventId(d), digest: d, data };
}

/** The event as Server-Sent Events text. */
export function sseFrame(type: DigestEventType, event: DigestEvent): string {
  return `id: ${event.id}\nevent: ${type}\ndata: ${event.data}\n\n`;
}
