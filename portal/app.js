// The skyjoin portal: a page per hash route, each built from the REST API
// (/v1/...) of the server that sent it. No build step, no network beyond
// that server. An API key, when the visitor gives one, is kept in this
// browser (localStorage) and sent as a Bearer token.
/* global drawLightCurve */
(function () {
  'use strict';
  const view = document.getElementById('view');
  const KEY = 'skyjoin.apiKey';
  const apiKey = () => localStorage.getItem(KEY) || '';

  // --- helpers -------------------------------------------------------------
  const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  const num = (v, d = 3) => (v === null || v === undefined ? '' : Number(v).toFixed(d));
  const html = (s) => { view.innerHTML = s; };

  async function api(path, opts = {}) {
    const headers = Object.assign({}, opts.headers || {});
    if (apiKey()) headers.authorization = `Bearer ${apiKey()}`;
    const r = await fetch(path, Object.assign({}, opts, { headers }));
    const text = await r.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch { body = text; }
    if (!r.ok) {
      const err = new Error(body && body.message ? body.message : `${r.status} ${r.statusText}`);
      err.status = r.status;
      throw err;
    }
    return body;
  }

  function showError(e) {
    html(`<div class="error" role="alert">${esc(e.message)}</div>`);
  }

  function table(cols, rows) {
    if (rows.length === 0) return '<p class="muted">none</p>';
    return `<table><thead><tr>${cols.map((c) => `<th>${esc(c[0])}</th>`).join('')}</tr></thead><tbody>${
      rows.map((r) => `<tr>${cols.map((c) => `<td>${c[1](r)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
  }

  const objectLink = (id, text) => `<a href="#/objects/${encodeURIComponent(id)}">${esc(text ?? id)}</a>`;

  // --- search --------------------------------------------------------------
  /** 'ra dec [radius]' (degrees, radius in arcsec, default 5), an object id, or an alias. */
  function parseQuery(q) {
    const t = q.trim().replace(/"$/, '').split(/[\s,]+/).filter(Boolean);
    if (t.length >= 2 && t.length <= 3 && t.every((x) => /^[-+]?\d+(\.\d+)?$/.test(x))) {
      return { kind: 'cone', ra: Number(t[0]), dec: Number(t[1]), radius: t[2] ? Number(t[2]) : 5 };
    }
    if (/^\d+$/.test(q.trim())) return { kind: 'id', id: q.trim() };
    return { kind: 'alias', alias: q.trim() };
  }

  async function searchPage(q) {
    const p = parseQuery(q);
    document.getElementById('q').value = q;
    if (p.kind === 'id') { location.hash = `#/objects/${p.id}`; return; }
    const url = p.kind === 'cone'
      ? `/v1/objects?ra=${p.ra}&dec=${p.dec}&radius_arcsec=${p.radius}`
      : `/v1/objects?alias=${encodeURIComponent(p.alias)}`;
    const r = await api(url);
    if (p.kind === 'alias' && r.count === 1) { location.replace(`#/objects/${r.objects[0].object_id}`); return; }
    html(`<h1>Search: ${esc(q)}</h1><div class="card" id="results"><p>${r.count} object${r.count === 1 ? '' : 's'}${r.truncated ? ' (first shown)' : ''}</p>${table([
      ['object', (o) => objectLink(o.object_id)],
      ['aliases', (o) => o.aliases.map((a) => `<span class="pill">${esc(a)}</span>`).join('')],
      ['ra', (o) => num(o.ra, 6)], ['dec', (o) => num(o.dec, 6)],
      ['sep (")', (o) => (o.sep_arcsec === null ? '' : num(o.sep_arcsec, 2))],
      ['detections', (o) => o.n_detections],
    ], r.objects)}</div>`);
  }

  // --- object page ---------------------------------------------------------
  async function objectPage(id) {
    const [o, lc] = await Promise.all([api(`/v1/objects/${encodeURIComponent(id)}`), api(`/v1/objects/${encodeURIComponent(id)}/lightcurve`)]);
    const s = o.statistics;
    const aliases = o.aliases.map((a) => `<span class="pill">${esc(a)}</span>`).join('');
    const latest = Object.entries(o.latest_mag).map(([b, m]) => `${esc(b)} ${num(m.mag, 2)} ± ${num(m.mag_err, 2)}`).join(', ');
    const cut = o.links.cutouts || {};
    const cutouts = ['science', 'template', 'difference'].map((k) => (cut[k]
      ? `<figure><a href="${esc(cut[k].fits)}"><img src="${esc(cut[k].png)}" alt="${k} cutout of alert ${esc(o.latest_alert_id)}" data-kind="${k}"></a><figcaption>${k}</figcaption></figure>`
      : `<figure><div class="muted">no ${k}</div></figure>`)).join('');
    const ann = Object.entries(o.annotations || {}).flatMap(([cat, rows]) => rows.map((r) => Object.assign({ cat }, r)));
    const dets = Object.values(lc.bands).flatMap((b) => b.detections).sort((a, b) => b.mjd_tai - a.mjd_tai);
    html(`
      <h1>Object ${esc(o.object_id)} ${aliases}</h1>
      <div class="grid">
        <section class="card"><h2>Light curve</h2><div id="lightcurve"></div>
          <p class="legend-note">Points: detections with 1σ error bars; arrows: upper limits (5σ limiting magnitude). Time: MJD TAI.
          <a href="${esc(lc.links.csv)}">CSV</a> · <a href="${esc(lc.links.arrow)}">Arrow</a></p></section>
        <section class="card"><h2>Summary</h2><dl>
          <dt>position (mean)</dt><dd>${num(o.ra, 6)}, ${num(o.dec, 6)}</dd>
          <dt>latest position</dt><dd>${o.position.latest ? `${num(o.position.latest.ra, 6)}, ${num(o.position.latest.dec, 6)}` : ''}</dd>
          <dt>detections</dt><dd id="n-detections">${s.n_detections}</dd>
          <dt>upper limits</dt><dd>${s.n_upper_limits}</dd>
          <dt>forced photometry</dt><dd>${s.n_forced_photometry}</dd>
          <dt>first / last</dt><dd>${esc(s.first_utc)}<br>${esc(s.last_utc)}</dd>
          <dt>latest mag</dt><dd>${latest}</dd>
        </dl></section>
      </div>
      <section class="card"><h2>Cutouts of the latest alert <a href="#/alerts/${esc(o.latest_alert_id)}">${esc(o.latest_alert_id)}</a></h2><div class="cutouts">${cutouts}</div></section>
      <section class="card"><h2>Annotations</h2>${table([
        ['catalog', (r) => esc(r.cat)], ['id', (r) => `<a href="${esc(r.url)}">${esc(r.id)}</a>`], ['sep (")', (r) => num(r.sep_arcsec, 2)],
      ], ann)}</section>
      <section class="card"><h2>Watch-list hits</h2>${apiKey() ? table([
        ['list', (h) => `<a href="#/watchlists/${esc(h.watchlist_id)}">${esc(h.watchlist_name || h.watchlist_id)}</a>`], ['target', (h) => esc(h.target)],
        ['alert', (h) => esc(h.alert_id)], ['band', (h) => esc(h.band)], ['mag', (h) => num(h.mag, 2)], ['sep (")', (h) => num(h.sep_arcsec, 2)],
      ], o.watchlist_hits) : '<p class="muted">Give your API key on the <a href="#/watchlists">watch lists</a> page to see your hits.</p>'}</section>
      <section class="card"><h2>Detections</h2>${table([
        ['alert', (d) => (d.from === 'alert' ? `<a href="#/alerts/${esc(d.alert_id)}">${esc(d.alert_id)}</a>` : esc(d.alert_id))],
        ['MJD TAI', (d) => num(d.mjd_tai, 5)], ['band', (d) => esc(d.band)], ['mag', (d) => num(d.mag, 3)], ['err', (d) => num(d.mag_err, 3)], ['from', (d) => esc(d.from)],
      ], dets)}</section>`);
    const drawn = drawLightCurve(document.getElementById('lightcurve'), lc);
    // For people and tests alike: what the plot holds.
    window.skyjoinPlot = { plot: drawn.plot, counts: drawn.counts, objectId: o.object_id };
  }

  // --- alerts --------------------------------------------------------------
  async function alertsPage() {
    const r = await api('/v1/alerts?limit=100');
    html(`<h1>Latest alerts</h1><div class="card">${table([
      ['alert', (a) => `<a href="#/alerts/${esc(a.alert_id)}">${esc(a.alert_id)}</a>`], ['object', (a) => objectLink(a.object_id)],
      ['time (UTC)', (a) => esc(a.time_utc.replace('T', ' ').slice(0, 19))], ['band', (a) => esc(a.band)], ['mag', (a) => num(a.mag, 2)],
      ['ra', (a) => num(a.ra, 5)], ['dec', (a) => num(a.dec, 5)], ['survey', (a) => esc(a.survey)],
    ], r.alerts)}</div>`);
  }

  async function alertPage(id) {
    const a = await api(`/v1/alerts/${encodeURIComponent(id)}`);
    const cut = a.links.cutouts || {};
    html(`<h1>Alert ${esc(a.alert_id)}</h1>
      <div class="card"><dl>
        <dt>object</dt><dd>${objectLink(a.object_id)}</dd><dt>time</dt><dd>${esc(a.time_utc)} (MJD TAI ${num(a.mjd_tai, 6)})</dd>
        <dt>band, mag</dt><dd>${esc(a.band)} ${num(a.mag, 3)} ± ${num(a.mag_err, 3)}</dd><dt>position</dt><dd>${num(a.ra, 6)}, ${num(a.dec, 6)}</dd>
        <dt>packet</dt><dd><a href="${esc(a.links.avro)}">Avro</a> · <a href="${esc(a.links.self)}">JSON</a></dd></dl></div>
      <div class="card"><div class="cutouts">${['science', 'template', 'difference'].map((k) => (cut[k] ? `<figure><a href="${esc(cut[k].fits)}"><img src="${esc(cut[k].png)}" alt="${k}"></a><figcaption>${k}</figcaption></figure>` : '')).join('')}</div></div>`);
  }

  // --- watch lists (key holders) --------------------------------------------
  function keyForm() {
    return `<form class="inline" id="key-form"><label for="api-key">API key</label><input id="api-key" type="password" autocomplete="off" value="${esc(apiKey())}" size="40">
      <button type="submit">Use key</button>${apiKey() ? '<button type="button" class="secondary" id="forget-key">Forget</button>' : ''}</form>`;
  }

  function bindKeyForm() {
    document.getElementById('key-form').onsubmit = (e) => { e.preventDefault(); localStorage.setItem(KEY, document.getElementById('api-key').value.trim()); route(); };
    const f = document.getElementById('forget-key');
    if (f) f.onclick = () => { localStorage.removeItem(KEY); route(); };
  }

  async function watchlistsPage() {
    if (!apiKey()) {
      html(`<h1>Watch lists</h1><div class="card"><p>Watch lists belong to an API key (<code>skyjoin keys create NAME</code>).</p>${keyForm()}</div>`);
      bindKeyForm();
      return;
    }
    const lists = await api('/v1/watchlists');
    html(`<h1>Watch lists</h1><div class="card">${keyForm()}</div>
      <div class="card"><h2>Your lists</h2>${table([
        ['name', (w) => `<a href="#/watchlists/${esc(w.id)}">${esc(w.name)}</a>`], ['targets', (w) => w.targets], ['radius (")', (w) => w.default_radius_arcsec], ['updated', (w) => esc(w.updated_at)],
      ], lists.watchlists || lists)}
      <form class="inline" id="new-list"><input id="new-name" required placeholder="name"><input id="new-radius" type="number" step="any" min="0.1" value="2" aria-label="default radius arcsec"> arcsec <button type="submit">Create</button></form></div>`);
    bindKeyForm();
    document.getElementById('new-list').onsubmit = async (e) => {
      e.preventDefault();
      try {
        const w = await api('/v1/watchlists', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: document.getElementById('new-name').value, default_radius_arcsec: Number(document.getElementById('new-radius').value) }) });
        location.hash = `#/watchlists/${w.id}`;
      } catch (err) { showError(err); }
    };
  }

  async function watchlistPage(id) {
    const [w, hits] = await Promise.all([api(`/v1/watchlists/${encodeURIComponent(id)}`), api(`/v1/watchlists/${encodeURIComponent(id)}/hits?limit=500`)]);
    html(`<h1>Watch list ${esc(w.name)}</h1>
      <div class="card"><p>${w.targets} targets, default radius ${w.default_radius_arcsec}".</p>
        <h2>Upload targets (CSV: name,ra,dec[,radius_arcsec])</h2>
        <form id="upload"><textarea id="csv" aria-label="targets CSV">name,ra,dec\n</textarea>
        <p><input type="file" id="csv-file" accept=".csv,text/csv"> <button type="submit">Upload</button> <span id="upload-state" class="muted"></span></p></form></div>
      <div class="card"><h2>Hits</h2>${table([
        ['recorded', (h) => esc(h.recorded_at.slice(0, 19))], ['target', (h) => esc(h.target)], ['object', (h) => objectLink(h.object_id)],
        ['alert', (h) => `<a href="#/alerts/${esc(h.alert_id)}">${esc(h.alert_id)}</a>`], ['band', (h) => esc(h.band)], ['mag', (h) => num(h.mag, 2)], ['sep (")', (h) => num(h.sep_arcsec, 2)],
      ], hits.hits)}</div>`);
    document.getElementById('csv-file').onchange = async (e) => { const f = e.target.files[0]; if (f) document.getElementById('csv').value = await f.text(); };
    document.getElementById('upload').onsubmit = async (e) => {
      e.preventDefault();
      const state = document.getElementById('upload-state');
      try {
        const r = await api(`/v1/watchlists/${encodeURIComponent(id)}/targets`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: document.getElementById('csv').value });
        state.textContent = `added ${r.added ?? ''} targets`;
        route();
      } catch (err) { state.textContent = err.message; }
    };
  }

  // --- home and routing ------------------------------------------------------
  async function homePage() {
    const r = await api('/v1/alerts?limit=10');
    html(`<h1>skyjoin alert broker</h1>
      <div class="card"><p>Search an object by its id, a survey alias (ZTF21abiuvdk) or a position (<code>0.8143 16.1457 5</code>: ra, dec in degrees, radius in arcsec).</p></div>
      <div class="card"><h2>Latest alerts</h2>${table([
        ['alert', (a) => `<a href="#/alerts/${esc(a.alert_id)}">${esc(a.alert_id)}</a>`], ['object', (a) => objectLink(a.object_id)],
        ['time (UTC)', (a) => esc(a.time_utc.replace('T', ' ').slice(0, 19))], ['band', (a) => esc(a.band)], ['mag', (a) => num(a.mag, 2)],
      ], r.alerts)}<p><a href="#/alerts">more</a></p></div>`);
  }

  async function route() {
    const h = location.hash.replace(/^#\/?/, '');
    const [page, arg] = h.split('/').map(decodeURIComponent);
    document.getElementById('key-state').textContent = apiKey() ? 'Using an API key.' : '';
    try {
      if (page === 'objects' && arg) await objectPage(arg);
      else if (page === 'search') await searchPage(decodeURIComponent(h.slice('search/'.length)));
      else if (page === 'alerts' && arg) await alertPage(arg);
      else if (page === 'alerts') await alertsPage();
      else if (page === 'watchlists' && arg) await watchlistPage(arg);
      else if (page === 'watchlists') await watchlistsPage();
      else await homePage();
      document.body.dataset.ready = h || 'home';
    } catch (e) {
      showError(e);
      document.body.dataset.ready = `error:${h}`;
    }
  }

  document.getElementById('search').onsubmit = (e) => {
    e.preventDefault();
    const q = document.getElementById('q').value.trim();
    if (q) location.hash = `#/search/${encodeURIComponent(q)}`;
  };
  window.addEventListener('hashchange', () => { delete document.body.dataset.ready; route(); });
  route();
})();
