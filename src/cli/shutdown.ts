/**
 * Clean shutdown of long-running commands: the first SIGINT or SIGTERM runs the stop function (which lets
 * running work finish) and exits 0; a second signal exits at once with 130.
 */
import type { Logger } from 'pino';

export function onShutdown(stop: () => Promise<void>, log?: Logger): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      log?.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    stopping = true;
    log?.info({ signal }, 'stopping (a second signal exits at once)');
    stop().then(
      () => {
        log?.flush?.();
        process.exit(0);
      },
      (err: unknown) => {
        log?.error({ err: (err as Error).message }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
