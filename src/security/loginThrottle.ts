/**
 * Waits imposed after wrong passwords, so that guessing is slow (rate-limiter-flexible counters, in memory:
 * each process counts its own):
 *
 *   per (user, address): the `failures`-th wrong password within `windowSeconds` locks the pair for
 *     `lockSeconds`; every further wrong password (within the window, once the lock has ended) locks it again
 *     for twice as long as the lock before, at most `maxLockSeconds`;
 *   per address: the `addressFailures`-th wrong password within `windowSeconds`, whatever the user names,
 *     locks every user name from that address for `maxLockSeconds` (trying many names from one place).
 *
 * While the pair or the address is locked, a request with credentials is refused (429) before its password is
 * checked, a correct one too: guessing on learns nothing. A lock is short and holds for one address only, so a
 * stranger cannot keep a user out: the user's correct password from another address still works. A correct
 * password clears the failures of its pair.
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { LockoutConfig } from '../config/securitySchema';

/** What a throttle has refused and counted since it was made (read by the metrics). */
export interface LoginCounts {
  /** Wrong passwords and unknown users. */
  failures: number;
  /** Requests refused because their pair or address was locked. */
  lockedOut: number;
}

/** Longest user name kept in a counter's key (basic-auth names are unbounded). */
const MAX_KEY_NAME = 128;

/** Reads a counter that may be over its points (rate-limiter-flexible rejects with its state then). */
async function consumed(limiter: RateLimiterMemory, key: string): Promise<RateLimiterRes> {
  try {
    return await limiter.consume(key);
  } catch (err) {
    if (err instanceof RateLimiterRes) return err;
    throw err;
  }
}

/** The client address as one spelling (IPv4 clients of a dual-stack socket come as ::ffff:a.b.c.d). */
export function clientAddress(remoteAddress: string | undefined): string {
  return (remoteAddress ?? 'unknown').replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
}

export class LoginThrottle {
  readonly counts: LoginCounts = { failures: 0, lockedOut: 0 };
  /** Failures of a pair; once locked, over `failures` until the lock ends. */
  private readonly pairFailures: RateLimiterMemory;
  /** Locks of a pair within the window: the next lock lasts twice as long as the last. */
  private readonly pairLocks: RateLimiterMemory;
  private readonly addressFailures: RateLimiterMemory;

  constructor(private readonly cfg: LockoutConfig) {
    this.pairFailures = new RateLimiterMemory({ keyPrefix: 'pair', points: cfg.failures, duration: cfg.windowSeconds });
    this.pairLocks = new RateLimiterMemory({ keyPrefix: 'locks', points: Number.MAX_SAFE_INTEGER, duration: cfg.windowSeconds });
    // Consumed over its points (at the addressFailures-th failure), an address is blocked for maxLockSeconds.
    this.addressFailures = new RateLimiterMemory({ keyPrefix: 'address', points: cfg.addressFailures - 1, duration: cfg.windowSeconds, blockDuration: cfg.maxLockSeconds });
  }

  /** Milliseconds the user must wait before trying from this address; 0 when they may try now. */
  async lockedFor(user: string, address: string): Promise<number> {
    const [pair, from] = await Promise.all([this.pairFailures.get(pairKey(user, address)), this.addressFailures.get(address)]);
    const wait = Math.max(
      pair && pair.consumedPoints > this.cfg.failures ? pair.msBeforeNext : 0,
      from && from.consumedPoints >= this.cfg.addressFailures ? from.msBeforeNext : 0,
    );
    if (wait > 0) this.counts.lockedOut += 1;
    return wait;
  }

  /** A wrong password (or an unknown user) was given. */
  async failed(user: string, address: string): Promise<void> {
    this.counts.failures += 1;
    const key = pairKey(user, address);
    await consumed(this.addressFailures, address);
    const pair = await consumed(this.pairFailures, key);
    const lockedBefore = (await this.pairLocks.get(key))?.consumedPoints ?? 0;
    if (pair.consumedPoints < this.cfg.failures && lockedBefore === 0) return;
    const locks = (await this.pairLocks.consume(key)).consumedPoints;
    await this.pairFailures.block(key, Math.min(this.cfg.lockSeconds * 2 ** (locks - 1), this.cfg.maxLockSeconds));
  }

  /** The user's password was right: the pair starts afresh. */
  async succeeded(user: string, address: string): Promise<void> {
    const key = pairKey(user, address);
    await Promise.all([this.pairFailures.delete(key), this.pairLocks.delete(key)]);
  }
}

function pairKey(user: string, address: string): string {
  return `${address}\0${user.slice(0, MAX_KEY_NAME)}`;
}
