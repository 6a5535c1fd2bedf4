/** The entries per minute of a route's chart, from run records (pure). */
import { CHART_MINUTES, entriesPerMinute, routeOfRun } from '../../src/logger/routeCharts';

describe("a route's entries per minute over the last hour", () => {
  it("counts a run for the route its runName is or starts with (the longest such name), in the minute it started", () => {
    expect(routeOfRun('crm erp catch-up', ['crm', 'crm erp'])).toBe('crm erp');
    expect(routeOfRun('crm', ['crm', 'crm erp'])).toBe('crm');
    expect(routeOfRun('crmx', ['crm'])).toBeUndefined();
    const now = new Date('2026-12-01T10:30:20.000Z');
    const runs = [
      { runName: 'nightly', startedAt: '2026-12-01T10:30:05.000Z', entriesRead: 4 },
      { runName: 'nightly', startedAt: '2026-12-01T10:30:00.000Z', entriesRead: 1 },
      { runName: 'nightly', startedAt: '2026-12-01T10:28:59.999Z', entriesRead: 7 },
      { runName: 'live push', startedAt: '2026-12-01T09:31:00.000Z', entriesRead: 2 },
      // An hour ago and older, later than now, or of no route shown: not counted.
      { runName: 'live catch-up', startedAt: '2026-12-01T09:30:59.000Z', entriesRead: 50 },
      { runName: 'nightly', startedAt: '2026-12-01T10:31:00.000Z', entriesRead: 50 },
      { runName: 'other', startedAt: '2026-12-01T10:30:00.000Z', entriesRead: 50 },
    ];
    const charts = entriesPerMinute(runs, ['nightly', 'live'], now);
    expect(charts.nightly).toHaveLength(CHART_MINUTES);
    expect(charts.nightly.slice(-3)).toEqual([7, 0, 5]);
    expect(charts.nightly.reduce((a, b) => a + b)).toBe(12);
    expect(charts.live[0]).toBe(2);
    expect(charts.live.reduce((a, b) => a + b)).toBe(2);
  });
});
