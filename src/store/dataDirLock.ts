/**
 * One process per PGlite data folder. PGlite is a single-user PostgreSQL living inside its process: two
 * processes opening one folder each see only their own writes and overwrite each other's files. The folder
 * is locked with proper-lockfile (an atomic mkdir of `sdata-sync.lock` inside it, whose mtime its holder
 * refreshes every second; removed on close and at process exit, signals included). A lock whose mtime is
 * older than the stale time is a holder's that died (SIGKILL, power loss) and is taken over.
 *
 * Beside the lock, `sdata-sync.lock-owner.json` names the holder (pid, host, start) for the refusal's
 * message; it decides nothing, except that the lock of a process of this host that no longer runs is stale
 * at once: it is marked so (its mtime set back) and taken over through the library, without waiting.
 *
 * The stale time is long (60 s) because a holder whose event loop is held longer than it (a busy machine,
 * a long synchronous step of PGlite) loses the lock and stops; a holder that died on this host costs nothing.
 */
import { readFileSync, realpathSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { LockOptions } from 'proper-lockfile';

const LOCK_NAME = 'sdata-sync.lock';
const OWNER_NAME = 'sdata-sync.lock-owner.json';
/** The holder refreshes the lock this often, whatever the stale time (the library's minimum). */
const UPDATE_MILLIS = 1_000;
/** proper-lockfile's least stale time. */
const MIN_STALE_SECONDS = 2;
const DEFAULT_STALE_SECONDS = 60;

interface Owner {
  pid: number;
  host: string;
  since: string;
}

/** The start is refused: another process holds the data folder. */
export class DataDirInUse extends Error {
  constructor(
    readonly dir: string,
    readonly owner: Owner | undefined,
  ) {
    const who = owner ? `process ${owner.pid}${owner.host === hostname() ? '' : ` on host ${owner.host}`} (since ${owner.since})` : 'another process';
    super(`the data folder ${dir} is in use by ${who}: one process per PGlite folder. Stop that process, or give this one another folder (DATA_DIR)`);
    this.name = 'DataDirInUse';
  }
}

function readOwner(file: string): Owner | undefined {
  try {
    const o = JSON.parse(readFileSync(file, 'utf8')) as Partial<Owner>;
    return typeof o.pid === 'number' && typeof o.host === 'string' && typeof o.since === 'string' ? (o as Owner) : undefined;
  } catch {
    return undefined;
  }
}

/** True when the owner is a process of this host that no longer runs (its lock will go stale). */
function ownerIsGone(owner: Owner | undefined): boolean {
  if (!owner || owner.host !== hostname()) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Locks the PGlite folder `dir` (which must exist) for this process; resolves with the function that
 * releases it. Rejects with DataDirInUse while another live process holds it.
 */
export async function lockDataDir(dir: string, opts: { staleSeconds?: number } = {}): Promise<() => Promise<void>> {
  // Loaded only when a PGlite folder is opened.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const lockfile = require('proper-lockfile') as typeof import('proper-lockfile');
  const real = realpathSync(dir);
  const ownerFile = join(real, OWNER_NAME);
  const staleMillis = Math.max(MIN_STALE_SECONDS, opts.staleSeconds ?? DEFAULT_STALE_SECONDS) * 1000;
  const options: LockOptions = {
    lockfilePath: join(real, LOCK_NAME),
    realpath: false,
    stale: staleMillis,
    update: UPDATE_MILLIS,
    onCompromised: (err) => {
      // Another process took the folder over (this one's event loop was held longer than the stale time):
      // two processes must not write to it, so this one stops.
      throw new Error(`lost the lock of the data folder ${real} (${err.message}); stopping so that no two processes write to it`);
    },
  };
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(real, options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
    if (!ownerIsGone(readOwner(ownerFile))) throw new DataDirInUse(real, readOwner(ownerFile));
    // Its holder died without releasing it: its lock is stale now; the library takes a stale lock over.
    const past = new Date(Date.now() - 2 * staleMillis);
    try {
      utimesSync(options.lockfilePath!, past, past);
    } catch (gone) {
      if ((gone as NodeJS.ErrnoException).code !== 'ENOENT') throw gone; // released meanwhile: simply free
    }
    try {
      release = await lockfile.lock(real, options);
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code !== 'ELOCKED') throw again;
      throw new DataDirInUse(real, readOwner(ownerFile));
    }
  }
  writeFileSync(ownerFile, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() } satisfies Owner));
  return async () => {
    rmSync(ownerFile, { force: true });
    await release();
  };
}
