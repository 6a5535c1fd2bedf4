/**
 * The ports a command is about to listen on: read from the environment (a bad value is bad usage), and
 * checked free before anything starts, so that a command never half-starts (the demo's server running
 * without its logger) and a taken port is named with the variable or key that chose it.
 */
import { createServer } from 'node:net';
import { UsageError } from './usage';

export interface PlannedPort {
  port: number;
  host: string;
  /** What chose the port, for the message: `LOGGER_PORT`, `PORT or server.port`, ... */
  setBy: string;
}

/** A port another process listens on (or that two of the command's own listeners would share). */
class PortInUse extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PortInUse';
  }
}

/** A port number given as `name` (an environment variable or an option); undefined when absent. */
export function portValue(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new UsageError(`${name}: '${value}' is not a port number`);
  return Number(value);
}

function probe({ port, host, setBy }: PlannedPort): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE' ? new PortInUse(`port ${port} on ${host} (${setBy}) is in use by another process: stop it, or set ${setBy} to a free port`) : err);
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve()));
  });
}

/** Rejects with PortInUse naming the first port that cannot be listened on (port 0, any free port, passes). */
export async function checkPortsFree(ports: PlannedPort[]): Promise<void> {
  const fixed = ports.filter((p) => p.port !== 0);
  for (const [i, p] of fixed.entries()) {
    const twin = fixed.slice(0, i).find((q) => q.port === p.port);
    if (twin) throw new PortInUse(`${twin.setBy} and ${p.setBy} are both port ${p.port}: give each its own port`);
  }
  for (const p of fixed) await probe(p);
}
