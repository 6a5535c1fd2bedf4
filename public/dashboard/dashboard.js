// The dashboard's script: reads /dashboard/data every few seconds and redraws each view in place (no page
// reload). Everything is written with textContent, never as HTML: values come from endpoints and engines.
// Keep / Dismiss, Retry, Run now, Pause and Resume are posted to the logger, which forwards them to the
// endpoint or engine with the credentials this browser gave the logger. Times are shown in the browser's
// time zone and relative to now ("3 min ago"); the exact time is in each one's title.
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';
  var refreshMillis = Number(document.body.dataset.refreshSeconds || 2) * 1000;
  var runsStart = 1;
  // Runs per page: 20, or ?runs=N of the page's URL (1 to 100).
  var RUNS_PER_PAGE = Math.min(100, Math.max(1, Number(new URLSearchParams(location.search).get('runs')) || 20));
  var statusEl = document.getElementById('status');
  var filters = document.querySelector('#runs .filters');
  // The outcome of each action by key, so a redraw does not wipe it; folded run groups the operator opened.
  var outcomes = {};
  var unfolded = {};
  var last;

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] === undefined || attrs[k] === null) return;
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'className') e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return e;
  }
  function svg(tag, attrs, children) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { e.appendChild(c); });
    return e;
  }
  function td(value, className) {
    return el('td', { text: value === undefined || value === null ? '–' : String(value), className: className || (typeof value === 'number' ? 'num' : '') });
  }
  function fill(parent, children) {
    parent.replaceChildren.apply(parent, children);
  }

  // An endpoint URL shortened to what tells endpoints apart (app/contract/dataset/kind, and a partition's
  // filter as text: accounts?where=country eq 'FR'); the whole URL in its title and data-full.
  function shortUrl(url) {
    var m = /^https?:\/\/[^/]+\/sdata\/([^?#]*)(\?[^#]*)?/.exec(url || '');
    if (!m) return url;
    var query = m[2] || '';
    try {
      query = decodeURIComponent(query.replace(/\+/g, ' '));
    } catch (e) {
      // shown as written when it is not valid percent-encoding
    }
    return m[1] + query;
  }
  function urlCell(url, tag) {
    return el(tag || 'td', { className: 'url', text: shortUrl(url), title: url, 'data-full': url });
  }

  // "just now", "12 s ago", "3 min ago", "2 h ago", "4 d ago" (or "in …" for a time ahead).
  function relative(iso) {
    var s = Math.round((Date.now() - Date.parse(iso)) / 1000);
    var ahead = s < 0;
    var a = Math.abs(s);
    var text = a < 5 ? 'just now' : a < 60 ? a + ' s' : a < 3600 ? Math.floor(a / 60) + ' min' : a < 86400 ? Math.floor(a / 3600) + ' h' : Math.floor(a / 86400) + ' d';
    return a < 5 ? text : ahead ? 'in ' + text : text + ' ago';
  }
  // The time in the browser's zone: the time of day when it is today, else the date too.
  function local(iso) {
    var d = new Date(iso);
    return d.toDateString() === new Date().toDateString() ? d.toLocaleTimeString() : d.toLocaleString();
  }
  function time(iso, withLocal) {
    if (!iso) return el('span', { className: 'hint', text: '–' });
    return el('time', { datetime: iso, title: new Date(iso).toLocaleString() + ' (' + iso + ')', 'data-relative': '', text: withLocal ? local(iso) + ' · ' + relative(iso) : relative(iso) });
  }
  function timeCell(iso, withLocal) {
    return el('td', { className: 'time' }, [time(iso, withLocal)]);
  }

  function outcomeFor(key) {
    var o = outcomes[key];
    return el('span', { className: o && o.error ? 'outcome error' : 'outcome', role: 'status', 'data-outcome': key, text: o ? o.text : '' });
  }
  function show(key, text, error) {
    outcomes[key] = { text: text, error: error };
    document.querySelectorAll('[data-outcome]').forEach(function (e) {
      if (e.getAttribute('data-outcome') === key) { e.textContent = text; e.className = error ? 'outcome error' : 'outcome'; }
    });
  }

  function act(path, body, key) {
    show(key, 'sending…', false);
    return fetch(path, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (res) {
        if (res.ok) {
          show(key, 'done', false);
          refresh();
          return;
        }
        return res.text().then(function (xml) {
          var doc = new DOMParser().parseFromString(xml, 'application/xml');
          var messages = Array.prototype.map.call(doc.getElementsByTagNameNS('http://schemas.sage.com/sdata/2008/1', 'message'), function (m) { return m.textContent; });
          show(key, 'refused (HTTP ' + res.status + '): ' + (messages.join('; ') || 'no diagnosis'), true);
        });
      })
      .catch(function (err) { show(key, 'failed: ' + err.message, true); });
  }

  // The last hour of a route: entries read per minute (bars) above its lag in ticks (line, one point per read).
  function chart(r, nowIso) {
    var W = 240, H = 56, BARS = 28, now = Date.parse(nowIso);
    var perMinute = r.entriesPerMinute || [];
    var maxEntries = Math.max.apply(null, [0].concat(perMinute));
    var bw = W / Math.max(perMinute.length, 1);
    var parts = [svg('line', { x1: 0, y1: BARS + 0.5, x2: W, y2: BARS + 0.5, class: 'axis' })];
    perMinute.forEach(function (n, i) {
      if (n <= 0) return;
      var h = Math.max(1.5, (n / maxEntries) * (BARS - 2));
      var bar = svg('rect', { x: (i * bw + 0.5).toFixed(1), y: (BARS - h).toFixed(1), width: Math.max(bw - 1, 1).toFixed(1), height: h.toFixed(1), class: 'bar' });
      bar.appendChild(svg('title', {}, [document.createTextNode(n + ' entries, ' + (perMinute.length - 1 - i) + ' min ago')]));
      parts.push(bar);
    });
    var samples = (r.lagHistory || []).filter(function (s) { return s.ticks !== null; });
    var maxLag = Math.max.apply(null, [0].concat(samples.map(function (s) { return s.ticks; })));
    var top = BARS + 4, band = H - top - 1;
    var points = samples.map(function (s) {
      var x = W - ((now - Date.parse(s.at)) / 3600000) * W;
      var y = top + band - (maxLag > 0 ? (s.ticks / maxLag) * band : 0);
      return Math.max(0, Math.min(W, x)).toFixed(1) + ',' + y.toFixed(1);
    });
    parts.push(svg('line', { x1: 0, y1: H - 0.5, x2: W, y2: H - 0.5, class: 'axis' }));
    if (points.length > 0) parts.push(svg('polyline', { points: points.join(' '), class: 'lag' }));
    var picture = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, preserveAspectRatio: 'none', class: 'chart', role: 'img', 'aria-label': 'entries per minute and lag over the last hour' }, parts);
    return el('figure', { className: 'chart-box' }, [
      picture,
      el('figcaption', {}, [
        el('span', { className: 'key bar-key', text: 'entries/min (max ' + maxEntries + ')' }),
        el('span', { className: 'key lag-key', text: 'lag ticks (max ' + maxLag + ')' }),
        el('span', { className: 'hint', text: 'last hour' }),
      ]),
    ]);
  }

  function routeButton(engine, r, action, label, enabled) {
    var key = 'route ' + engine + ' ' + r.name;
    var b = el('button', { type: 'button', text: label, 'data-action': action });
    b.disabled = !enabled;
    b.addEventListener('click', function () { act('/dashboard/route', { engine: engine, name: r.name, action: action }, key); });
    return b;
  }

  function progressOf(p) {
    var known = p.totalResults !== null && p.totalResults !== undefined;
    var bar = el('progress', { max: known ? Math.max(p.totalResults, 1) : null, value: known ? Math.min(p.entriesDone, p.totalResults) : null });
    return el('div', { className: 'progress' }, [
      bar,
      el('div', {}, [el('strong', { text: p.entriesDone + (known ? ' of about ' + p.totalResults : '') }), ' entries of ' + p.kind + ' · started ', time(p.startedAt)]),
      el('div', { className: 'leg-of', title: p.source + ' → ' + p.target, text: shortUrl(p.source) + ' → ' + shortUrl(p.target) }),
    ]);
  }

  function drawEngines(engines, nowIso) {
    var cards = [];
    engines.forEach(function (e) {
      if (e.error) {
        cards.push(el('p', { className: 'engine-error error' }, [e.url + ' not read: ' + e.error.message + ' ', time(e.error.at), e.readAt ? el('span', { className: 'hint', text: '; its routes as last read' }) : null]));
      }
      e.routes.forEach(function (r) {
        var scheduled = r.mode === 'scheduled';
        var key = 'route ' + e.url + ' ' + r.name;
        var facts = [
          el('dt', { text: 'Lag' }), el('dd', { className: r.lagTicks > 0 ? 'lag behind' : 'lag', text: r.lagTicks === null ? 'unknown' : r.lagTicks + ' tick' + (r.lagTicks === 1 ? '' : 's') }),
          el('dt', { text: 'Last success' }), el('dd', { className: 'success' }, [time(r.lastSuccessAt)]),
          el('dt', { text: 'Last failure' }), el('dd', { className: 'failure-reason' }, r.lastFailure ? [el('span', { className: 'error', text: r.lastFailure.reason }), ' ', time(r.lastFailure.at)] : [el('span', { className: 'hint', text: 'none' })]),
        ];
        if (r.lastRun) facts.push(el('dt', { text: 'Last run' }), el('dd', {}, [el('span', { className: 'state-' + r.lastRun.state, text: r.lastRun.state }), ' ', time(r.lastRun.finishedAt || r.lastRun.startedAt), ' · ' + (r.lastRun.counts.entriesRead || 0) + ' read']));
        cards.push(el('article', { className: e.error ? 'route stale' : 'route', 'data-name': r.name, 'data-engine': e.url, 'data-state': r.state }, [
          el('header', {}, [el('h3', { text: r.name }), el('span', { className: 'badge state-' + r.state, text: r.state })]),
          el('p', { className: 'leg', title: r.source + ' → ' + r.target }, [shortUrl(r.source) + ' ⇄ ' + shortUrl(r.target) + ' · ' + r.mode]),
          el('div', { className: 'route-body' }, [
            el('div', {}, [el('dl', {}, facts), r.progress ? progressOf(r.progress) : null]),
            el('div', {}, [
              chart(r, nowIso),
              el('p', { className: 'actions' }, scheduled
                ? [routeButton(e.url, r, 'run', 'Run now', r.state !== 'running'), routeButton(e.url, r, 'pause', 'Pause', r.state !== 'paused'), routeButton(e.url, r, 'resume', 'Resume', r.state === 'paused'), outcomeFor(key)]
                : [el('span', { className: 'hint', text: 'runs continuously (' + r.mode + ')' })]),
            ]),
          ]),
        ]));
      });
    });
    if (cards.length === 0) cards.push(el('p', { className: 'hint', text: 'No engine listener configured (logger.engines).' }));
    fill(document.querySelector('#engine-routes .cards'), cards);
  }

  function alertItem(a) {
    var al = a.alert;
    var threshold = al.ticks !== undefined ? ' > ' + al.ticks + ' ticks' : al.seconds !== undefined ? ' > ' + al.seconds + ' s' : '';
    return el('li', { className: 'alert ' + al.state, 'data-alert': al.name, 'data-state': al.state }, [
      el('span', { className: 'badge ' + al.state, text: al.state }),
      el('strong', { text: al.name }),
      el('span', { text: ' ' + al.when + threshold + (al.value !== undefined ? ' (' + al.value + ')' : '') }),
      el('span', { className: 'alert-route', title: al.route.source + ' → ' + al.route.target, text: shortUrl(al.route.source) + ' → ' + shortUrl(al.route.target) }),
      time(a.at),
    ]);
  }

  function drawAlerts(alerts) {
    var open = alerts.open.map(alertItem);
    if (open.length === 0) open.push(el('li', { className: 'hint', text: 'No alert firing.' }));
    fill(document.querySelector('#alerts .open'), open);
    var recent = alerts.recent.slice(0, 12).map(alertItem);
    if (recent.length === 0) recent.push(el('li', { className: 'hint', text: 'No alert since the logger started.' }));
    fill(document.querySelector('#alerts .recent'), recent);
  }

  function drawLegs(routes) {
    fill(document.querySelector('#legs tbody'), routes.map(function (r) {
      var run = r.lastRun;
      return el('tr', { 'data-source': r.source, 'data-target': r.target, 'data-kind': r.kind }, [
        urlCell(r.source), urlCell(r.target), td(r.kind), td(run.state, 'state-' + run.state),
        td(r.lagTicks, r.lagTicks > 0 ? 'num behind' : 'num'), timeCell(r.lastSuccessAt), td(run.runName + ' #' + run.id),
        td(run.created), td(run.updated), td(run.deleted), td(run.conflicts), td(run.failed),
      ]);
    }));
  }

  function drawMatrix(m) {
    var head = document.querySelector('#matrix thead');
    fill(head, [el('tr', {}, [el('th', { text: 'endpoint \\ knows' })].concat(m.columns.map(function (c) { return urlCell(c, 'th'); })))]);
    fill(document.querySelector('#matrix tbody'), m.rows.map(function (row) {
      return el('tr', { 'data-endpoint': row.endpoint }, [urlCell(row.endpoint, 'th')].concat(row.cells.map(function (c, i) {
        if (!c) return td(null);
        var cell = td(c.tick, c.behindBy > 0 ? 'num behind' : 'num');
        cell.setAttribute('data-column', m.columns[i]);
        if (c.behindBy > 0) cell.title = c.behindBy + ' tick(s) behind';
        return cell;
      })));
    }));
  }

  function runRow(r) {
    return el('tr', { 'data-run-id': String(r.id) }, [
      td(r.id), td(r.runName), td(r.kind), urlCell(r.source), urlCell(r.target), td(r.state, 'state-' + r.state), timeCell(r.startedAt, true),
      td(r.entriesRead), td(r.created), td(r.updated), td(r.deleted), td(r.conflicts), td(r.failed), td(r.skipped),
    ]);
  }
  var isEmpty = function (r) { return r.state === 'done' && r.entriesRead === 0; };

  // Consecutive empty runs (done, nothing read) of one run name (a route, either way): one row saying how
  // many, which opens them when clicked.
  function foldedRows(items) {
    var rows = [];
    for (var i = 0; i < items.length; ) {
      var j = i;
      while (j < items.length && isEmpty(items[j]) && items[j].runName === items[i].runName) j++;
      if (j - i < 2) {
        rows.push(runRow(items[i]));
        i++;
        continue;
      }
      var group = items.slice(i, j);
      var key = group[group.length - 1].id;
      var toggle = el('button', { type: 'button', className: 'link', text: unfolded[key] ? 'fold' : 'show' });
      toggle.addEventListener('click', function (k) { return function () { unfolded[k] = !unfolded[k]; drawRuns(last.runs); }; }(key));
      rows.push(el('tr', { className: 'folded', 'data-folded': String(group.length), 'data-run-ids': group.map(function (r) { return r.id; }).join(' ') }, [
        el('td', { colspan: 14 }, [
          el('span', { text: group.length + ' empty runs of ' + group[0].runName + ', ' }),
          time(group[group.length - 1].startedAt), el('span', { text: ' to ' }), time(group[0].startedAt), el('span', { text: ' ' }), toggle,
        ]),
      ]));
      if (unfolded[key]) group.forEach(function (r) { var row = runRow(r); row.className = 'unfolded'; rows.push(row); });
      i = j;
    }
    return rows;
  }

  function drawRuns(runs) {
    var fold = filters.elements.fold.checked;
    fill(document.querySelector('#runs tbody'), fold ? foldedRows(runs.items) : runs.items.map(runRow));
    var lastIndex = Math.min(runs.startIndex + runs.items.length - 1, runs.total);
    document.querySelector('#runs .page-info').textContent = runs.total === 0 ? 'no runs' : runs.startIndex + '–' + lastIndex + ' of ' + runs.total;
    document.querySelector('#runs [data-page=newer]').disabled = runs.startIndex <= 1;
    document.querySelector('#runs [data-page=older]').disabled = lastIndex >= runs.total;
  }

  function drawRunNames(names) {
    var select = filters.elements.runName;
    var chosen = select.value;
    var wanted = [''].concat(names);
    if (chosen && wanted.indexOf(chosen) < 0) wanted.push(chosen);
    var have = Array.prototype.map.call(select.options, function (o) { return o.value; });
    if (have.join('\n') === wanted.join('\n')) return;
    fill(select, wanted.map(function (n) { return el('option', { value: n, text: n === '' ? 'all' : n }); }));
    select.value = chosen;
  }

  function versionTable(title, v) {
    var rows = Object.keys(v.values).map(function (k) { return el('tr', {}, [el('th', { text: k }), td(v.values[k], 'value')]); });
    if (v.deleted) rows.push(el('tr', {}, [el('th', { text: 'deleted' }), td('yes')]));
    rows.push(el('tr', {}, [el('th', { text: 'changed at' }), el('td', {}, [shortUrl(v.state.endpoint) + ' tick ' + v.state.tick + ', ', time(v.state.stamp, true)])]));
    return el('div', { className: title === 'Winner (kept now)' ? 'winner' : 'loser' }, [el('h4', { text: title }), el('table', {}, [el('tbody', {}, rows)])]);
  }

  function drawConflicts(byEndpoint) {
    var items = [];
    byEndpoint.forEach(function (group) {
      group.items.forEach(function (c) {
        var key = 'conflict ' + group.endpoint + ' ' + c.id;
        var keep = el('button', { type: 'button', text: 'Keep', 'data-action': 'keep' });
        var dismiss = el('button', { type: 'button', text: 'Dismiss', 'data-action': 'dismiss' });
        [keep, dismiss].forEach(function (b) {
          b.addEventListener('click', function () { act('/dashboard/resolve', { endpoint: group.endpoint, id: c.id, action: b.dataset.action }, key); });
        });
        items.push(el('div', { className: 'conflict card', 'data-endpoint': group.endpoint, 'data-conflict-id': c.id, 'data-uuid': c.uuid }, [
          el('h3', { text: (c.resource ? shortUrl(c.resource) : c.uuid) + ' at ' + shortUrl(group.endpoint), title: c.resource || c.uuid }),
          el('p', {}, ['The ' + (c.winner === 'source' ? 'incoming' : 'local') + ' version won (' + c.reason + ') ', time(c.createdAt), (c.runName ? ' in run ' + c.runName : '') + '. Keep takes the parked version instead.']),
          el('div', { className: 'versions' }, [versionTable('Winner (kept now)', c.winnerVersion), versionTable('Parked version', c.loserVersion)]),
          el('p', {}, [keep, ' ', dismiss, outcomeFor(key)]),
        ]));
      });
      if (group.total > group.items.length) items.push(el('p', { className: 'hint', text: group.total + ' open at ' + group.endpoint + ', ' + group.items.length + ' shown' }));
    });
    if (items.length === 0) items.push(el('p', { className: 'hint', text: 'No open conflict.' }));
    fill(document.querySelector('#conflicts .list'), items);
  }

  function payloadTable(values) {
    var keys = Object.keys(values || {});
    if (keys.length === 0) return el('p', { className: 'hint', text: 'No payload (a deletion, or none was sent).' });
    return el('table', { className: 'payload' }, [el('caption', { text: 'Payload as sent' }), el('tbody', {}, keys.map(function (k) { return el('tr', {}, [el('th', { text: k }), td(values[k], 'value')]); }))]);
  }

  function drawFailures(byEndpoint) {
    var items = [];
    byEndpoint.forEach(function (group) {
      group.items.forEach(function (f) {
        var key = 'failure ' + group.endpoint + ' ' + f.id;
        var retry = el('button', { type: 'button', text: 'Retry' });
        retry.addEventListener('click', function () { act('/dashboard/retry', { endpoint: group.endpoint, id: f.id }, key); });
        items.push(el('div', { className: 'failure card', 'data-endpoint': group.endpoint, 'data-failure-id': f.id }, [
          el('h3', { text: 'Entry ' + (f.uuid || f.entryId || f.id) + ' at ' + shortUrl(group.endpoint), title: group.endpoint }),
          el('p', { className: 'attempts' }, [f.attempts + ' attempt(s) since ', time(f.createdAt, true), f.runName ? ', run ' + f.runName : '']),
          el('ul', {}, f.diagnoses.map(function (d) { return el('li', { text: d.severity + ' ' + (d.applicationCode || d.sdataCode) + ': ' + d.message }); })),
          payloadTable(f.payload),
          el('p', {}, [retry, outcomeFor(key)]),
        ]));
      });
    });
    if (items.length === 0) items.push(el('p', { className: 'hint', text: 'No quarantined entry.' }));
    fill(document.querySelector('#failures .list'), items);
  }

  function drawEndpoints(endpoints, notObserved) {
    fill(document.querySelector('#endpoints .list'), endpoints.map(function (e) {
      return el('li', { className: e.error ? 'error' : '', title: e.url }, [shortUrl(e.url) + ' — ', e.error ? 'not read: ' + e.error.message + ' ' : e.readAt ? 'read ' : 'not read yet', e.error ? time(e.error.at) : e.readAt ? time(e.readAt) : null]);
    }).concat(notObserved.map(function (n) { return el('li', { className: 'hint', text: n.url + ' — not observed: ' + n.reason }); })));
  }

  function draw(d) {
    drawEngines(d.engines, d.now);
    drawAlerts(d.alerts);
    drawLegs(d.routes);
    drawMatrix(d.matrix);
    drawRunNames(d.runNames);
    drawRuns(d.runs);
    drawConflicts(d.conflicts);
    drawFailures(d.failures);
    drawEndpoints(d.endpoints, d.notObserved);
    fill(statusEl, ['updated ', time(d.now), d.refreshedAt ? ' · endpoints read ' : ' · endpoints not read yet', d.refreshedAt ? time(d.refreshedAt) : null]);
    statusEl.className = '';
    document.body.dataset.updatedAt = d.now;
  }

  var inFlight = false;
  function refresh() {
    if (inFlight) return;
    inFlight = true;
    var q = new URLSearchParams({ startIndex: String(runsStart), count: String(RUNS_PER_PAGE) });
    if (filters.elements.runName.value) q.set('runName', filters.elements.runName.value);
    if (filters.elements.state.value) q.set('state', filters.elements.state.value);
    fetch('/dashboard/data?' + q, { credentials: 'same-origin', cache: 'no-store' })
      .then(function (res) { if (!res.ok) throw new Error('HTTP ' + res.status); return res.json(); })
      .then(function (d) { last = d; draw(d); })
      .catch(function (err) { statusEl.textContent = 'not updated: ' + err.message; statusEl.className = 'error'; })
      .finally(function () { inFlight = false; });
  }

  filters.addEventListener('change', function (e) {
    if (e.target.name === 'fold') { if (last) drawRuns(last.runs); return; }
    runsStart = 1;
    refresh();
  });
  document.querySelector('#runs [data-page=newer]').addEventListener('click', function () { runsStart = Math.max(1, runsStart - RUNS_PER_PAGE); refresh(); });
  document.querySelector('#runs [data-page=older]').addEventListener('click', function () { runsStart += RUNS_PER_PAGE; refresh(); });
  refresh();
  setInterval(refresh, refreshMillis);
})();
