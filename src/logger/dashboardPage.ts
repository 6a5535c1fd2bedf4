/**
 * The HTML of `GET /dashboard`: the page's frame with one section per view; its script
 * (public/dashboard/dashboard.js) fills them from `/dashboard/data` and keeps them current by polling.
 */
export function dashboardPage(refreshSeconds: number): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sdata-sync dashboard</title>
<link rel="stylesheet" href="/dashboard/dashboard.css">
</head>
<body data-refresh-seconds="${Number(refreshSeconds)}">
<header><h1>sdata-sync dashboard</h1><p id="status" role="status">loading…</p></header>
<nav><a href="#routes">Routes</a> <a href="#matrix">Digests</a> <a href="#runs">Runs</a> <a href="#conflicts">Conflicts</a> <a href="#failures">Quarantine</a> <a href="#endpoints">Endpoints</a></nav>
<section id="routes"><h2>Routes</h2>
<table><thead><tr><th>Source</th><th>Target</th><th>Kind</th><th>State</th><th>Lag (ticks)</th><th>Since last done (s)</th><th>Last run</th><th>Created</th><th>Updated</th><th>Deleted</th><th>Conflicts</th><th>Failed</th></tr></thead><tbody></tbody></table></section>
<section id="matrix"><h2>Digest matrix</h2><p class="hint">Rows: endpoints; columns: the endpoints they know; cells: the next tick the row endpoint expects from the column endpoint. Marked cells are behind what the column endpoint has given out.</p>
<table><thead></thead><tbody></tbody></table></section>
<section id="runs"><h2>Runs</h2>
<table><thead><tr><th>Id</th><th>Run</th><th>Kind</th><th>Source</th><th>Target</th><th>State</th><th>Started</th><th>Read</th><th>Created</th><th>Updated</th><th>Deleted</th><th>Conflicts</th><th>Failed</th><th>Skipped</th></tr></thead><tbody></tbody></table>
<p class="pager"><button type="button" data-page="newer">Newer</button> <span class="page-info"></span> <button type="button" data-page="older">Older</button></p></section>
<section id="conflicts"><h2>Parked conflicts</h2><div class="list"></div></section>
<section id="failures"><h2>Quarantined entries</h2><div class="list"></div></section>
<section id="endpoints"><h2>Endpoints observed</h2><ul class="list"></ul></section>
<script src="/dashboard/dashboard.js"></script>
</body></html>
`;
}
