// The light curve plot: uPlot (canvas), magnitude against MJD TAI, one
// colour per band; detections as points with 1-sigma error bars, upper
// limits as arrows pointing to fainter magnitudes (down: the magnitude axis
// runs bright at the top). uPlot has no error bars or arrows of its own:
// both are drawn in its 'draw' hook from the same scales.
/* global uPlot */
(function () {
  'use strict';
  const COLOURS = { g: '#1a9850', r: '#d73027', i: '#8c510a', u: '#5e3c99', z: '#4d4d4d', y: '#b35806' };
  const colour = (b, k) => COLOURS[b] || ['#2166ac', '#762a83', '#e08214', '#35978f'][k % 4];

  /**
   * Draws the light curve into `el`; returns { plot, counts } where counts
   * are the detections and upper limits plotted (what the page promises).
   */
  function drawLightCurve(el, lc) {
    const bands = Object.keys(lc.bands);
    // uPlot wants one shared x array: the union of every time, each series null where it has no point.
    const xs = new Set();
    for (const b of bands) {
      for (const d of lc.bands[b].detections) if (d.mag !== null) xs.add(d.mjd_tai);
      for (const u of lc.bands[b].upper_limits) if (u.limiting_mag !== null) xs.add(u.mjd_tai);
    }
    const x = [...xs].sort((a, b) => a - b);
    const at = new Map(x.map((t, i) => [t, i]));
    const data = [x];
    const series = [{ label: 'MJD (TAI)' }];
    const errs = [];
    const kinds = [];
    let nDet = 0, nLim = 0;
    bands.forEach((b, k) => {
      const mags = new Array(x.length).fill(null), err = new Array(x.length).fill(null);
      for (const d of lc.bands[b].detections) {
        if (d.mag === null) continue;
        mags[at.get(d.mjd_tai)] = d.mag;
        err[at.get(d.mjd_tai)] = d.mag_err;
        nDet++;
      }
      data.push(mags); errs.push(err); kinds.push({ band: b, kind: 'detection' });
      series.push({ label: `${b} detections`, stroke: colour(b, k), fill: colour(b, k), width: 0, paths: () => null, points: { show: true, size: 7, fill: colour(b, k), stroke: colour(b, k) } });
      const lims = new Array(x.length).fill(null);
      for (const u of lc.bands[b].upper_limits) {
        if (u.limiting_mag === null) continue;
        lims[at.get(u.mjd_tai)] = u.limiting_mag;
        nLim++;
      }
      data.push(lims); errs.push(null); kinds.push({ band: b, kind: 'upper_limit' });
      series.push({ label: `${b} upper limits`, stroke: colour(b, k), width: 0, paths: () => null, points: { show: false } });
    });

    function drawExtras(u) {
      const ctx = u.ctx;
      ctx.save();
      ctx.lineWidth = Math.max(1, devicePixelRatio);
      for (let s = 1; s < data.length; s++) {
        if (!u.series[s].show) continue;
        const k = kinds[s - 1];
        ctx.strokeStyle = ctx.fillStyle = u.series[s].stroke();
        for (let i = 0; i < x.length; i++) {
          const v = data[s][i];
          if (v === null) continue;
          const px = u.valToPos(x[i], 'x', true), py = u.valToPos(v, 'y', true);
          if (k.kind === 'detection') {
            const e = errs[s - 1][i];
            if (e === null || !(e > 0)) continue;
            const y1 = u.valToPos(v - e, 'y', true), y2 = u.valToPos(v + e, 'y', true);
            ctx.beginPath(); ctx.moveTo(px, y1); ctx.lineTo(px, y2); ctx.stroke();
          } else {
            // An arrow from the limit towards fainter magnitudes (down the inverted axis).
            const len = 14 * devicePixelRatio, head = 4 * devicePixelRatio;
            ctx.beginPath(); ctx.moveTo(px - head, py); ctx.lineTo(px + head, py); ctx.moveTo(px, py); ctx.lineTo(px, py + len); ctx.stroke();
            ctx.beginPath(); ctx.moveTo(px - head, py + len - head); ctx.lineTo(px, py + len); ctx.lineTo(px + head, py + len - head); ctx.stroke();
          }
        }
      }
      ctx.restore();
    }

    const width = () => Math.max(280, el.clientWidth);
    const opts = {
      width: width(), height: 340,
      scales: { x: { time: false }, y: { dir: -1, range: (u, min, max) => [min - 0.3, max + 0.5] } },
      axes: [{ label: 'MJD (TAI)' }, { label: 'magnitude' }],
      series,
      hooks: { draw: [drawExtras] },
      legend: { live: false },
    };
    el.textContent = '';
    const plot = new uPlot(opts, data, el);
    new ResizeObserver(() => plot.setSize({ width: width(), height: 340 })).observe(el);
    return { plot, counts: { detections: nDet, upper_limits: nLim } };
  }

  window.drawLightCurve = drawLightCurve;
})();
