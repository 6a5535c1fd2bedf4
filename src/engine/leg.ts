/**
 * One direction of an immediate or watch route for one kind, source S to target T: what the engine knows of
 * T's digest (the floor), what S last announced, and the one thing it does at a time.
 *
 * Immediate (PROTOCOL.md 6), starting in catchingUp:
 *   catchingUp ──catch-up pass done; floor = T's digest read after it──> idle
 *   catchingUp ──pass failed (logged)──> waiting ──retry delay (doubling) or T heard again──> catchingUp
 *   idle ──S announced a digest ahead of the floor (isSourceAhead)──> pushing
 *   pushing ──T applied every page; floor = floor merged with the feed's ceiling──> idle, or pushing again
 *             at once when S announced more meanwhile (announcements during a push coalesce into one push)
 *   pushing ──SyncGap or any failure (logged, and told to the event loggers by the pass)──> catchingUp
 *   any ──safety-net schedule (catchUpNow)──> catchingUp once the running step ended
 *
 * Watch (PROTOCOL.md 7, one-phase pull), starting in idle:
 *   idle ──S's or T's digest heard and S is ahead of T──> passing (one catch-up pass; logged once)
 *   passing ──done; floor = T's digest read after it──> idle (decided again)
 *   passing ──failed (logged)──> waiting ──retry delay or T heard again──> idle
 *
 * Every digest T announces raises the floor (a digest T held is a floor it still holds; a T restored from
 * an older copy is caught by the SyncGap of the next push). Steps never overlap and run in order: a single
 * worker runs them one after the other, and stop() waits for the running one.
 */
import type { Logger } from 'pino';
import { mergeDigests } from '../protocol/digest';
import { isSourceAhead } from '../protocol/sourceAhead';
import type { Digest } from '../protocol/types';
import { describeError } from './errors';

type LegMode = 'immediate' | 'watch';

/** What a leg does over HTTP (streamingRoute.ts gives real passes; tests may give others). */
export interface LegOps {
  /** A catch-up pass S -> T; throws when it fails. */
  catchUp(): Promise<void>;
  /**
   * An immediate push from `floor`; answers the ceiling of its last page once T applied every page (T merges
   * the ceiling with the last page only). Throws when it fails or stops before its last page.
   */
  push(floor: Digest): Promise<Digest | undefined>;
  /** T's digest now (GET $syncDigest). */
  targetDigest(): Promise<Digest>;
}

export interface LegOptions {
  name: string;
  mode: LegMode;
  source: string;
  target: string;
  retryMillis: number;
  maxRetryMillis: number;
  log?: Logger;
}

export interface LegCounts {
  pushes: number;
  catchUps: number;
  failures: number;
}

export class RouteLeg {
  private floor: Digest | undefined;
  private announced: Digest | undefined;
  private needCatchUp: boolean;
  private waitingUntil = 0;
  private retryDelay: number;
  private retryTimer: NodeJS.Timeout | undefined;
  private worker: Promise<void> | undefined;
  private stopped = false;
  readonly counts: LegCounts = { pushes: 0, catchUps: 0, failures: 0 };

  constructor(
    private readonly ops: LegOps,
    private readonly opts: LegOptions,
  ) {
    this.needCatchUp = opts.mode === 'immediate';
    this.retryDelay = opts.retryMillis;
  }

  /** Starts the first step (an immediate leg's catch-up pass). */
  start(): void {
    this.kick();
  }

  /** S announced its digest (a change event, a heartbeat or a poll). */
  sourceDigest(d: Digest): void {
    this.announced = d;
    this.kick();
  }

  /** T announced its digest. */
  targetDigest(d: Digest): void {
    this.floor = mergeDigests(this.floor, d);
    if (this.waitingUntil > 0) this.waitingUntil = 0; // T is back: try again now
    this.kick();
  }

  /** The safety net: a catch-up pass after the running step (immediate legs). */
  catchUpNow(): void {
    if (this.opts.mode !== 'immediate') return;
    this.needCatchUp = true;
    this.kick();
  }

  /** Resolves when no step is running. */
  async idle(): Promise<void> {
    while (this.worker) await this.worker;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.idle();
  }

  private kick(): void {
    if (this.stopped || this.worker) return;
    this.worker = this.work().finally(() => {
      this.worker = undefined;
    });
  }

  private async work(): Promise<void> {
    while (!this.stopped) {
      if (this.waitingUntil > Date.now()) return this.wakeAt(this.waitingUntil);
      this.waitingUntil = 0;
      if (this.needCatchUp) {
        await this.catchUp('catch-up pass started');
        continue;
      }
      const s = this.announced;
      if (!s || !this.floor || !isSourceAhead(s, this.floor)) return;
      if (this.opts.mode === 'watch') await this.catchUp('source ahead of target: pass started');
      else await this.push(this.floor);
    }
  }

  private async catchUp(message: string): Promise<void> {
    const { log, name, source, target } = this.opts;
    log?.info({ route: name, source, target }, message);
    try {
      await this.ops.catchUp();
      this.counts.catchUps += 1;
      this.floor = await this.ops.targetDigest();
      this.needCatchUp = false;
      this.retryDelay = this.opts.retryMillis;
    } catch (err) {
      this.counts.failures += 1;
      log?.warn({ route: name, source, target, err: describeError(err), retryMillis: this.retryDelay }, 'pass failed; it runs again after a while or when the target is heard');
      if (this.opts.mode === 'immediate') this.needCatchUp = true;
      this.waitingUntil = Date.now() + this.retryDelay;
      this.retryDelay = Math.min(this.retryDelay * 2, this.opts.maxRetryMillis);
    }
  }

  private async push(floor: Digest): Promise<void> {
    const { log, name, source, target } = this.opts;
    try {
      const ceiling = await this.ops.push(floor);
      this.counts.pushes += 1;
      if (!ceiling) throw new Error('the pushed feed carried no ceiling');
      this.floor = mergeDigests(this.floor, ceiling);
    } catch (err) {
      this.counts.failures += 1;
      log?.warn({ route: name, source, target, err: describeError(err) }, 'push failed; running a catch-up pass');
      this.needCatchUp = true;
    }
  }

  private wakeAt(at: number): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.kick();
    }, Math.max(0, at - Date.now()));
    this.retryTimer.unref();
  }
}
