/**
 * The work a server has started and not finished: request handlers, and `$syncTarget` pages whose
 * application goes on after their 202. A graceful stop waits for it (within a bound) before it closes the
 * connections and the database, so that a SIGTERM never cuts a transaction or an answer.
 *
 * (Connection-draining libraries such as http-terminator wait for sockets only; a page applied after its
 * 202 holds no socket, hence this small set of promises.)
 */
export class WorkInFlight {
  private readonly running = new Set<Promise<void>>();

  /** Tracks the work until it settles; answers it unchanged. */
  track<T>(work: Promise<T>): Promise<T> {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.running.add(settled);
    void settled.then(() => this.running.delete(settled));
    return work;
  }

  get size(): number {
    return this.running.size;
  }

  /**
   * Resolves true once nothing runs (work started meanwhile included), false when the time is up first
   * (`Infinity`: no time limit).
   */
  async idle(timeoutMillis: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMillis;
    while (this.running.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      const timeUp = new Promise<void>((resolve) => {
        if (Number.isFinite(left)) timer = setTimeout(resolve, left);
      });
      await Promise.race([Promise.all([...this.running]), timeUp]);
      clearTimeout(timer);
    }
    return true;
  }
}
