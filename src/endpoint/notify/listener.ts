/**
 * One `$syncNotify` listener (an open HTTP answer). Its buffer is bounded: when the socket does not take a
 * frame at once (`res.write` answers false), later events are not queued behind it; only the latest one is
 * kept and written when the socket drains. A slow listener so gets the latest digest, never a backlog.
 *
 *   writing ──write answered false──> blocked (keeps the latest event only) ──drain──> writing
 */
import type { Response } from 'express';
import { sseFrame, type DigestEvent, type DigestEventType } from './digestEvent';

export class NotifyListener {
  private blocked = false;
  private latest: { type: DigestEventType; event: DigestEvent } | undefined;
  /** Id of the last event written. */
  lastId: string | undefined;

  constructor(private readonly res: Response) {}

  /** Ends the stream (the server is stopping); a client reconnects with Last-Event-ID. */
  end(): void {
    this.res.end();
  }

  send(type: DigestEventType, event: DigestEvent): void {
    if (this.blocked) {
      this.latest = { type, event };
      return;
    }
    this.lastId = event.id;
    if (!this.res.write(sseFrame(type, event))) {
      this.blocked = true;
      this.res.once('drain', () => {
        this.blocked = false;
        const next = this.latest;
        this.latest = undefined;
        if (next) this.send(next.type, next.event);
      });
    }
  }
}
