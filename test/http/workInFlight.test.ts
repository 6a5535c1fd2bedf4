/** The work a server waits for on a graceful stop: tracked until settled, whether it succeeds or fails. */
import { WorkInFlight } from '../../src/http/workInFlight';

const later = <T>(millis: number, value: T, fail = false): Promise<T> =>
  new Promise((resolve, reject) => setTimeout(() => (fail ? reject(new Error('failed')) : resolve(value)), millis));

describe('work in flight', () => {
  it('is idle at once when nothing runs', async () => {
    expect(await new WorkInFlight().idle(0)).toBe(true);
  });

  it('waits for every piece of work, failed ones and those started while waiting included', async () => {
    const work = new WorkInFlight();
    const ended: string[] = [];
    void work.track(later(30, 'a')).then((v) => ended.push(v));
    void work.track(later(10, 'b', true)).catch(() => ended.push('b failed'));
    setTimeout(() => void work.track(later(40, 'c')).then((v) => ended.push(v)), 20);
    expect(work.size).toBe(2);
    expect(await work.idle(5_000)).toBe(true);
    expect(ended.sort()).toEqual(['a', 'b failed', 'c']);
    expect(work.size).toBe(0);
  });

  it('answers false when the time is up first, and hands the work back unchanged', async () => {
    const work = new WorkInFlight();
    const slow = work.track(later(300, 42));
    expect(await work.idle(20)).toBe(false);
    expect(work.size).toBe(1);
    expect(await slow).toBe(42);
  });
});
