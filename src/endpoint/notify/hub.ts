/**
 * The digest hub of a server: fans every committed digest change of an endpoint out to that endpoint's
 * `$syncNotify` listeners, and heartbeats them, over every store of the server (each listened to on its own).
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
  db: Db;
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

/** What the hub hears and serves of one store (endpoint ids are unique within a store only). */
interface StoreChannels {
  channels: Map<number, Channel>;
  listening?: Promise<DigestChangeListener>;
}

export class DigestHub {
  private readonly stores = new Map<Db, StoreChannels>();
  private listeners = 0;

  constructor(
    private readonly opts: DigestHubOptions,
    private readonly log?: Logger,
  ) {}

  get listenerCount(): number {
    return this.listeners;
  }

  /**
   * Adds a listener to an endpoint and answers the endpoint's current digest event (read now), which the
   * caller sends first unless the client already saw it. The returned function removes the listener.
   * Answers undefined when the hub serves `maxListeners` already: the place is taken before anything is
   * awaited, so a burst of subscriptions cannot all pass the check while the first ones are being set up;
   * it is given back when the set-up fails.
   */
  async subscribe(db: Db, endpointId: number, url: string, listener: NotifyListener): Promise<{ current: DigestEvent; unsubscribe: () => void } | undefined> {
    if (this.listeners >= this.opts.maxListeners) return undefined;
    this.listeners += 1;
    const store = this.storeOf(db);
    let channel: Channel | undefined;
    let subscribed = true;
    const unsubscribe = (): void => {
      if (!subscribed) return;
      subscribed = false;
      this.listeners -= 1;
      if (!channel) return;
      channel.listeners.delete(listener);
      if (channel.listeners.size === 0) {
        clearInterval(channel.heartbeat);
        if (store.channels.get(endpointId) === channel) store.channels.delete(endpointId);
      }
    };
    try {
      await this.ensureListening(db, store);
      const { channels } = store;
      channel = channels.get(endpointId);
      if (!channel) {
        channel = { db, endpointId, url, listeners: new Set(), busy: false, dirty: false, heartbeatDue: false, heartbeat: setInterval(() => this.beat(store, endpointId), this.opts.heartbeatSeconds * 1000) };
        channel.heartbeat.unref();
        channels.set(endpointId, channel);
      }
      channel.listeners.add(listener);
      const current = digestEvent(await readDigest(db, endpointId, url), url);
      channel.current ??= current;
      return { current, unsubscribe };
    } catch (err) {
      unsubscribe();
      throw err;
    }
  }

  /** A committed change of the digest of an endpoint of this store was heard. */
  changed(db: Db, endpointId: number): void {
    this.changedIn(this.stores.get(db), endpointId);
  }

  private changedIn(store: StoreChannels | undefined, endpointId: number): void {
    const channel = store?.channels.get(endpointId);
    if (!channel) return;
    channel.dirty = true;
    if (!channel.busy) void this.drain(channel);
  }

  /** Ends every listener's stream and stops listening to the database. */
  async close(): Promise<void> {
    const stores = [...this.stores.values()];
    this.stores.clear();
    for (const store of stores) {
      for (const channel of store.channels.values()) {
        clearInterval(channel.heartbeat);
        for (const listener of channel.listeners) listener.end();
      }
      store.channels.clear();
      const listening = store.listening;
      store.listening = undefined;
      if (listening) await (await listening.catch(() => undefined))?.close();
    }
  }

  private storeOf(db: Db): StoreChannels {
    let store = this.stores.get(db);
    if (!store) {
      store = { channels: new Map() };
      this.stores.set(db, store);
    }
    return store;
  }

  private beat(store: StoreChannels, endpointId: number): void {
    const channel = store.channels.get(endpointId);
    if (!channel) return;
    channel.heartbeatDue = true;
    this.changedIn(store, endpointId);
  }

  /** Notifications of this store may have been missed: each of its channels reads its digest again. */
  private gap(store: StoreChannels): void {
    for (const id of store.channels.keys()) this.changedIn(store, id);
  }

  /** Each store is listened to on its own (a table-backed endpoint's store may be another database). */
  private ensureListening(db: Db, store: StoreChannels): Promise<DigestChangeListener> {
    store.listening ??= listenDigestChanges(db, { onChange: (id) => this.changedIn(store, id), onGap: () => this.gap(store), log: this.log });
    const listening = store.listening;
    listening.catch(() => {
      if (store.listening === listening) store.listening = undefined;
    });
    return listening;
  }

  private async drain(channel: Channel): Promise<void> {
    channel.busy = true;
    try {
      while (channel.dirty && this.stores.get(channel.db)?.channels.get(channel.endpointId) === channel) {
        channel.dirty = false;
        const heartbeat = channel.heartbeatDue;
        channel.heartbeatDue = false;
        let event: DigestEvent;
        try {
          event = digestEvent(await readDigest(channel.db, channel.endpointId, channel.url), channel.url);
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
