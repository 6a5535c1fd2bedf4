/**
 * The HTML of `GET /dashboard`: the page's frame with one section per view; its script
 * (public/dashboard/dashboard.js) fills them from `/dashboard/data` and keeps them current by polling.
 * The icon is an inline SVG (no request of its own).
 */
const ICON = `<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'><rect width='32' height='32' rx='7' fill='#1f4e8c'/><path d='M9 12h11l-3-3M23 20H12l3 3' stroke='#fff' stroke-width='2.6' fill='none' stroke-linecap='round' stroke-linejoin='round'/></svg>`;

export function dashboardPage(refreshSeconds: number): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sdata-sync dashboard</title>
<link rel="icon" type="image/svg+xml" href="data:image/svg+xml,${encodeURIComponent(ICON)}">
<link rel="stylesheet" href="/dashboard/dashboard.css">
</head>
<body data-refresh-seconds="${Number(refreshSeconds)}">
<header class="bar"><h1>sdata-sync</h1>
<nav><a href="#engine-routes">Routes</a> <a href="#alerts">Alerts</a> <a href="#legs">Legs</a> <a href="#matrix">Digests</a> <a href="#runs">Runs</a> <a href="#conflicts">Conflicts</a> <a href="#failures">Quarantine</a> <a href="#endpoints">Endpoints</a></nav>
<p id="status" role="status">loading…</p></header>
<main>
<div class="top">
<section id="engine-routes"><h2>Routes</h2><div class="cards"></div></section>
<section id="alerts"><h2>Alerts</h2><h3>Open</h3><ul class="open alert-list"></ul><h3>Recent</h3><ul class="recent alert-list"></ul></section>
</div>
<section id="legs"><h2>Legs</h2><p class="hint">What the logger's run records and the endpoints' digests say of each source, target and kind.</p>
<table><thead><tr><th>Source</th><th>Target</th><th>Kind</th><th>State</th><th class="num">Lag (ticks)</th><th>Last done</th><th>Last run</th><th class="num">Created</th><th class="num">Updated</th><th class="num">Deleted</th><th class="num">Conflicts</th><th class="num">Failed</th></tr></thead><tbody></tbody></table></section>
<section id="runs"><h2>Runs</h2>
<form class="filters"><label>Route <select name="runName"><option value="">all</option></select></label>
<label>State <select name="state"><option value="">all</option><option>running</option><option>done</option><option>cut</option><option>failed</option></select></label>
<label><input type="checkbox" name="fold" checked> fold empty runs</label></form>
<table><thead><tr><th class="num">Id</th><th>Run</th><th>Kind</th><th>Source</th><th>Target</th><th>State</th><th>Started</th><th class="num">Read</th><th class="num">Created</th><th class="num">Updated</th><th class="num">Deleted</th><th class="num">Conflicts</th><th class="num">Failed</th><th class="num">Skipped</th></tr></thead><tbody></tbody></table>
<p class="pager"><button type="button" data-page="newer">Newer</button> <span class="page-info"></span> <button type="button" data-page="older">Older</button></p></section>
<div class="pair">
<section id="conflicts"><h2>Parked conflicts</h2><div class="list"></div></section>
<section id="failures"><h2>Quarantined entries</h2><div class="list"></div></section>
</div>
<div class="pair">
<section id="matrix"><h2>Digest matrix</h2><p class="hint">Rows: endpoints; columns: the endpoints they know; cells: the next tick the row endpoint expects from the column endpoint. Marked cells are behind what the column endpoint has given out.</p>
<table><thead></thead><tbody></tbody></table></section>
<section id="endpoints"><h2>Endpoints observed</h2><ul class="list"></ul></section>
</div>
</main>
<script src="/dashboard/dashboard.js"></script>
</body></html>
`;
}
