/**
 * One process per PGlite folder (store/dataDirLock.ts): a second lock is refused naming the folder and its
 * holder, a released lock is free again, and the lock of a holder that died without releasing it (SIGKILL)
 * is taken over once it is stale. Processes for real: test/e2e/dataDirLock.test.ts.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirInUse, lockDataDir } from '../../src/store/dataDirLock';

/** The pid of a process that has ended (its number is not in use right after). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('the lock of a PGlite data folder', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sdata-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a second holder, naming the folder and the holding process; free again once released', async () => {
    const release = await lockDataDir(dir);
    const refused = await lockDataDir(dir).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(DataDirInUse);
    expect((refused as Error).message).toContain(`the data folder ${realpathSync(dir)} is in use by process ${process.pid}`);
    await release();
    expect(existsSync(join(dir, 'sdata-sync.lock'))).toBe(false);
    const again = await lockDataDir(dir);
    await again();
  });

  it('takes over the lock of a process of this host that died without releasing it, once the lock is stale', async () => {
    // What a SIGKILL leaves: the lock (last refreshed now) and its owner, a process that no longer runs.
    mkdirSync(join(dir, 'sdata-sync.lock'));
    const pid = await deadPid();
    writeFileSync(join(dir, 'sdata-sync.lock-owner.json'), JSON.stringify({ pid, host: hostname(), since: new Date().toISOString() }));
    const release = await lockDataDir(dir, { staleSeconds: 2 });
    await release();
  });

  it('refuses at once while the holder runs, even when the lock has not been refreshed for a while', async () => {
    // A holder that lives (this process) but whose lock looks old: only the stale time decides, and the
    // refusal names the holder; with a lock refreshed by its holder, the stale time never passes.
    mkdirSync(join(dir, 'sdata-sync.lock'));
    writeFileSync(join(dir, 'sdata-sync.lock-owner.json'), JSON.stringify({ pid: process.pid, host: hostname(), since: '2026-01-01T00:00:00.000Z' }));
    await expect(lockDataDir(dir, { staleSeconds: 60 })).rejects.toThrow(`is in use by process ${process.pid} (since 2026-01-01T00:00:00.000Z)`);
    // Older than the stale time: the holder died without a trace (another host, a reused pid): taken over.
    const old = new Date(Date.now() - 120_000);
    utimesSync(join(dir, 'sdata-sync.lock'), old, old);
    const release = await lockDataDir(dir, { staleSeconds: 60 });
    await release();
  });
});
