// The dashboard's script: reads /dashboard/data every few seconds and redraws each view in place (no page
// reload). Everything is written with textContent, never as HTML: values come from endpoints and engines.
// Keep / Dismiss and Retry are posted to the logger, which forwards them to the endpoint with the
// credentials this browser gave the logger.
(function () {
  'use strict';
  var refreshMillis = Number(document.body.dataset.refreshSeconds || 2) * 1000;
  var runsStart = 1;
  // Runs per page: 20, or ?runs=N of the page's URL (1 to 100).
  var RUNS_PER_PAGE = Math.min(100, Math.max(1, Number(new URLSearchParams(location.search).get('runs')) || 20));
  var statusEl = document.getElementById('status');
  // The outcome of each action by endpoint and id, so a redraw does not wipe it.
  var outcomes = {};

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'className') e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }
  function td(value, className) {
    return el('td', { text: value === undefined || value === null ? '–' : String(value), className: className || (typeof value === 'number' ? 'num' : '') });
  }
  function fill(tbody, rows) {
    tbody.replaceChildren.apply(tbody, rows);
  }

  function drawRoutes(routes) {
    fill(document.querySelector('#routes tbody'), routes.map(function (r) {
      var run = r.lastRun;
      return el('tr', { 'data-source': r.source, 'data-target': r.target, 'data-kind': r.kind }, [
        td(r.source), td(r.target), td(r.kind), td(run.state, 'state-' + run.state),
        td(r.lagTicks, r.lagTicks > 0 ? 'num behind' : 'num'), td(r.secondsSinceSuccess), td(run.runName + ' #' + run.id),
        td(run.created), td(run.updated), td(run.deleted), td(run.conflicts), td(run.failed),
      ]);
    }));
  }

  function drawMatrix(m) {
    var head = document.querySelector('#matrix thead');
    fill(head, [el('tr', {}, [el('th', { text: 'endpoint \\ knows' })].concat(m.columns.map(function (c) { return el('th', { text: c }); })))]);
    fill(document.querySelector('#matrix tbody'), m.rows.map(function (row) {
      return el('tr', { 'data-endpoint': row.endpoint }, [el('th', { text: row.endpoint })].concat(row.cells.map(function (c, i) {
        if (!c) return td(null);
        var cell = td(c.tick, c.behindBy > 0 ? 'num behind' : 'num');
        cell.setAttribute('data-column', m.columns[i]);
        if (c.behindBy > 0) cell.title = c.behindBy + ' tick(s) behind';
        return cell;
      })));
    }));
  }

  function drawRuns(runs) {
    fill(document.querySelector('#runs tbody'), runs.items.map(function (r) {
      return el('tr', { 'data-run-id': String(r.id) }, [
        td(r.id), td(r.runName), td(r.kind), td(r.source), td(r.target), td(r.state, 'state-' + r.state), td(r.startedAt),
        td(r.entriesRead), td(r.created), td(r.updated), td(r.deleted), td(r.conflicts), td(r.failed), td(r.skipped),
      ]);
    }));
    var last = Math.min(runs.startIndex + runs.items.length - 1, runs.total);
    document.querySelector('#runs .page-info').textContent = runs.total === 0 ? 'no runs' : runs.startIndex + '–' + last + ' of ' + runs.total;
    document.querySelector('#runs [data-page=newer]').disabled = runs.startIndex <= 1;
    document.querySelector('#runs [data-page=older]').disabled = last >= runs.total;
  }

  function versionTable(title, v) {
    var rows = Object.keys(v.values).map(function (k) { return el('tr', {}, [el('th', { text: k }), td(v.values[k], 'value')]); });
    if (v.deleted) rows.push(el('tr', {}, [el('th', { text: 'deleted' }), td('yes')]));
    rows.push(el('tr', {}, [el('th', { text: 'changed at' }), td(v.state.endpoint + ' tick ' + v.state.tick + ', ' + v.state.stamp)]));
    return el('div', { className: title === 'Winner (kept now)' ? 'winner' : 'loser' }, [el('h4', { text: title }), el('table', {}, [el('tbody', {}, rows)])]);
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

  function drawConflicts(byEndpoint) {
    var list = document.querySelector('#conflicts .list');
    var items = [];
    byEndpoint.forEach(function (group) {
      group.items.forEach(function (c) {
        var key = 'conflict ' + group.endpoint + ' ' + c.id;
        var outcome = outcomeFor(key);
        var keep = el('button', { type: 'button', text: 'Keep', 'data-action': 'keep' });
        var dismiss = el('button', { type: 'button', text: 'Dismiss', 'data-action': 'dismiss' });
        [keep, dismiss].forEach(function (b) {
          b.addEventListener('click', function () { act('/dashboard/resolve', { endpoint: group.endpoint, id: c.id, action: b.dataset.action }, key); });
        });
        items.push(el('div', { className: 'conflict', 'data-endpoint': group.endpoint, 'data-conflict-id': c.id, 'data-uuid': c.uuid }, [
          el('h3', { text: (c.resource || c.uuid) + ' at ' + group.endpoint }),
          el('p', { text: 'The ' + (c.winner === 'source' ? 'incoming' : 'local') + ' version won (' + c.reason + ') on ' + c.createdAt + (c.runName ? ' in run ' + c.runName : '') + '. Keep takes the parked version instead.' }),
          el('div', { className: 'versions' }, [versionTable('Winner (kept now)', c.winnerVersion), versionTable('Parked version', c.loserVersion)]),
          el('p', {}, [keep, el('span', { text: ' ' }), dismiss, outcome]),
        ]));
      });
      if (group.total > group.items.length) items.push(el('p', { className: 'hint', text: group.total + ' open at ' + group.endpoint + ', ' + group.items.length + ' shown' }));
    });
    if (items.length === 0) items.push(el('p', { className: 'hint', text: 'No open conflict.' }));
    fill(list, items);
  }

  function drawFailures(byEndpoint) {
    var list = document.querySelector('#failures .list');
    var items = [];
    byEndpoint.forEach(function (group) {
      group.items.forEach(function (f) {
        var key = 'failure ' + group.endpoint + ' ' + f.id;
        var outcome = outcomeFor(key);
        var retry = el('button', { type: 'button', text: 'Retry' });
        retry.addEventListener('click', function () { act('/dashboard/retry', { endpoint: group.endpoint, id: f.id }, key); });
        items.push(el('div', { className: 'failure', 'data-endpoint': group.endpoint, 'data-failure-id': f.id }, [
          el('h3', { text: 'Entry ' + (f.uuid || f.entryId || f.id) + ' at ' + group.endpoint }),
          el('p', { text: f.attempts + ' attempt(s) since ' + f.createdAt + (f.runName ? ', run ' + f.runName : '') }),
          el('ul', {}, f.diagnoses.map(function (d) { return el('li', { text: d.severity + ' ' + (d.applicationCode || d.sdataCode) + ': ' + d.message }); })),
          el('p', {}, [retry, outcome]),
        ]));
      });
    });
    if (items.length === 0) items.push(el('p', { className: 'hint', text: 'No quarantined entry.' }));
    fill(list, items);
  }

  function drawEndpoints(endpoints, notObserved) {
    fill(document.querySelector('#endpoints .list'), endpoints.map(function (e) {
      return el('li', { className: e.error ? 'error' : '', text: e.url + (e.error ? ' — not read: ' + e.error.message + ' (' + e.error.at + ')' : e.readAt ? ' — read ' + e.readAt : ' — not read yet') });
    }).concat(notObserved.map(function (n) { return el('li', { className: 'hint', text: n.url + ' — not observed: ' + n.reason }); })));
  }

  var inFlight = false;
  function refresh() {
    if (inFlight) return;
    inFlight = true;
    fetch('/dashboard/data?startIndex=' + runsStart + '&count=' + RUNS_PER_PAGE, { credentials: 'same-origin', cache: 'no-store' })
      .then(function (res) { if (!res.ok) throw new Error('HTTP ' + res.status); return res.json(); })
      .then(function (d) {
        drawRoutes(d.routes);
        drawMatrix(d.matrix);
        drawRuns(d.runs);
        drawConflicts(d.conflicts);
        drawFailures(d.failures);
        drawEndpoints(d.endpoints, d.notObserved);
        statusEl.textContent = 'updated ' + d.now + (d.refreshedAt ? ' · endpoints read ' + d.refreshedAt : ' · endpoints not read yet');
        statusEl.className = '';
        document.body.dataset.updatedAt = d.now;
      })
      .catch(function (err) { statusEl.textContent = 'not updated: ' + err.message; statusEl.className = 'error'; })
      .finally(function () { inFlight = false; });
  }

  document.querySelector('#runs [data-page=newer]').addEventListener('click', function () { runsStart = Math.max(1, runsStart - RUNS_PER_PAGE); refresh(); });
  document.querySelector('#runs [data-page=older]').addEventListener('click', function () { runsStart += RUNS_PER_PAGE; refresh(); });
  refresh();
  setInterval(refresh, refreshMillis);
})();
