/**
 * The digest hub of a server: fans every committed digest change of an endpoint out to that endpoint's
 * `$syncNotify` listeners, and heartbeats them.
 *
 * Changes are heard from the database (store/digestChanges.ts: NOTIFY at commit, so a change committed by
 * another server process over the same PostgreSQL is heard too). The database is listened to only while
 * some endpoint has listeners. Per endpoint with listeners:
 *
 *   idle ──change heard──> reading (the digest, once) ──sent if it moved──> settling (coalesceMillis)
 *     ^                                                                        │
 *     └──────────────── no change heard meanwhile ─────────────────────────────┤
 *                        a change heard meanwhile ──> reading (again, once) <──┘
 *   every heartbeatSeconds: reading, then the digest is sent to every listener (as `heartbeat` when it
 *   did not move)
 *
 * A burst of commits so costs one digest read and one event per coalescing window, whatever its size.
 */
import type { Logger } from 'pino';
import type { Db } from '../../store/db';
import { readDigest } from '../../store/digests';
import { listenDigestChanges, type DigestChangeListener } from '../../store/digestChanges';
import { digestEvent, type DigestEvent } from './digestEvent';
import type { NotifyListener } from './listener';

export interface DigestHubOptions {
  coalesceMillis: number;
  heartbeatSeconds: number;
  maxListeners: number;
}

interface Channel {
  endpointId: number;
  url: string;
  listeners: Set<NotifyListener>;
  current?: DigestEvent;
  busy: boolean;
  dirty: boolean;
  heartbeatDue: boolean;
  heartbeat: NodeJS.Timeout;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

export class DigestHub {
  private readonly channels = new Map<number, Channel>();
  private listening: Promise<DigestChangeListener> | undefined;
  private listeners = 0;

  constructor(
    private readonly db: Db,
    private readonly opts: DigestHubOptions,
    private readonly log?: Logger,
  ) {}

  get listenerCount(): number {
    return this.listeners;
  }

  get full(): boolean {
    return this.listeners >= this.opts.maxListeners;
  }

  /**
   * Adds a listener to an endpoint and answers the endpoint's current digest event (read now), which the
   * caller sends first unless the client already saw it. The returned function removes the listener.
   */
  async subscribe(endpointId: number, url: string, listener: NotifyListener): Promise<{ current: DigestEvent; unsubscribe: () => void }> {
    await this.ensureListening();
    let channel = this.channels.get(endpointId);
    if (!channel) {
      channel = { endpointId, url, listeners: new Set(), busy: false, dirty: false, heartbeatDue: false, heartbeat: setInterval(() => this.beat(endpointId), this.opts.heartbeatSeconds * 1000) };
      channel.heartbeat.unref();
      this.channels.set(endpointId, channel);
    }
    channel.listeners.add(listener);
    this.listeners += 1;
    const current = digestEvent(await readDigest(this.db, endpointId, url), url);
    channel.current ??= current;
    const ch = channel;
    let subscribed = true;
    return {
      current,
      unsubscribe: () => {
        if (!subscribed) return;
        subscribed = false;
        ch.listeners.delete(listener);
        this.listeners -= 1;
        if (ch.listeners.size === 0) {
          clearInterval(ch.heartbeat);
          this.channels.delete(endpointId);
        }
      },
    };
  }

  /** A committed change of the endpoint's digest was heard. */
  changed(endpointId: number): void {
    const channel = this.channels.get(endpointId);
    if (!channel) return;
    channel.dirty = true;
    if (!channel.busy) void this.drain(channel);
  }

  /** Ends every listener's stream and stops listening to the database. */
  async close(): Promise<void> {
    for (const channel of this.channels.values()) {
      clearInterval(channel.heartbeat);
      for (const listener of channel.listeners) listener.end();
    }
    this.channels.clear();
    const listening = this.listening;
    this.listening = undefined;
    if (listening) await (await listening.catch(() => undefined))?.close();
  }

  private beat(endpointId: number): void {
    const channel = this.channels.get(endpointId);
    if (!channel) return;
    channel.heartbeatDue = true;
    this.changed(endpointId);
  }

  /** Notifications may have been missed: every channel reads its digest again. */
  private gap(): void {
    for (const id of this.channels.keys()) this.changed(id);
  }

  private ensureListening(): Promise<DigestChangeListener> {
    this.listening ??= listenDigestChanges(this.db, { onChange: (id) => this.changed(id), onGap: () => this.gap(), log: this.log });
    const listening = this.listening;
    listening.catch(() => {
      if (this.listening === listening) this.listening = undefined;
    });
    return listening;
  }

  private async drain(channel: Channel): Promise<void> {
    channel.busy = true;
    try {
      while (channel.dirty && this.channels.get(channel.endpointId) === channel) {
        channel.dirty = false;
        const heartbeat = channel.heartbeatDue;
        channel.heartbeatDue = false;
        let event: DigestEvent;
        try {
          event = digestEvent(await readDigest(this.db, channel.endpointId, channel.url), channel.url);
        } catch (err) {
          this.log?.warn({ endpoint: channel.url, err: (err as Error).message }, '$syncNotify: digest could not be read');
          break;
        }
        const moved = event.id !== channel.current?.id;
        channel.current = event;
        if (moved || heartbeat) for (const l of channel.listeners) l.send(moved ? 'digest' : 'heartbeat', event);
        if (moved) await sleep(this.opts.coalesceMillis);
      }
    } finally {
      channel.busy = false;
    }
  }
}
