/**
 * `GET {ep}/$syncNotify` (PROTOCOL.md 7): a Server-Sent Events stream of the endpoint's digest. The first
 * event is the current digest (left out when the client's `Last-Event-ID` names it already); then one
 * `digest` event after each committed change (coalesced, see notify/hub.ts) and a `heartbeat` event with
 * the same digest every `sync.heartbeatSeconds` when nothing changed. Event data is the `$syncDigest` entry.
 */
import type { Request, Response } from 'express';
import { SDataError } from '../protocol/diagnosis';
import { checkQuery } from './query';
import type { ServiceContext } from './serviceContext';
import { NotifyListener } from './notify/listener';

/** Client reconnection delay announced in the stream (`retry:`). */
const RETRY_MILLIS = 1000;
const MAX_EVENT_ID_LENGTH = 64;

export async function getSyncNotify(req: Request, res: Response, ctx: ServiceContext): Promise<void> {
  checkQuery(req, []);
  const hub = ctx.runtime.digestHub;
  const lastEventId = req.get('last-event-id')?.slice(0, MAX_EVENT_ID_LENGTH);
  const listener = new NotifyListener(res);
  const subscribed = await hub.subscribe(ctx.endpoint.db, ctx.endpoint.id, ctx.endpoint.url, listener);
  if (!subscribed) {
    res.setHeader('Retry-After', '5');
    throw new SDataError(503, { severity: 'Transient', sdataCode: 'ApplicationUnavailable', applicationCode: 'TooManyListeners', message: `this server serves ${hub.listenerCount} $syncNotify streams, its maximum; try again later` });
  }
  const { current, unsubscribe } = subscribed;
  req.once('close', unsubscribe);
  res.once('close', unsubscribe);
  if (res.destroyed) {
    unsubscribe();
    return;
  }
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  res.socket?.setNoDelay(true);
  res.write(`retry: ${RETRY_MILLIS}\n\n`);
  if (lastEventId !== current.id) listener.send('digest', current);
}
