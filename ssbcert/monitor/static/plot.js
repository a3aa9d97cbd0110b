/* ssbcert monitor: a small canvas plotter (written for ssbcert; no external library, no CDN).
 *
 *   const p = new Plot(canvas, {xlabel, ylabel, xlog, ylog, equal, xfmt, yfmt});
 *   p.draw({series: [{x, y, color, width, marker, dash, label}], bands: [{x, lo, hi, color}],
 *           legend: [{label, color}]});
 *
 * Axes pick "nice" ticks (decades on log axes); `equal` keeps one unit the same length on both
 * axes (Nyquist). Non-finite points and, on log axes, non-positive ones are skipped.
 */
"use strict";

const SI = [[1e9, "G"], [1e6, "M"], [1e3, "k"], [1, ""], [1e-3, "m"], [1e-6, "µ"], [1e-9, "n"], [1e-12, "p"]];

function fmtSI(v) {
  if (v === 0) return "0";
  const a = Math.abs(v);
  for (const [scale, prefix] of SI) {
    if (a >= scale * 0.9999) return +(v / scale).toPrecision(3) + prefix;
  }
  return v.toExponential(1);
}

function niceStep(range, target) {
  const raw = range / Math.max(target, 1);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const r = raw / mag;
  return (r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10) * mag;
}

function ticksFor(lo, hi, log, target) {
  const out = [];
  if (log) {
    const a = Math.floor(lo), b = Math.ceil(hi);
    const every = Math.max(1, Math.ceil((b - a) / target));
    for (let e = a; e <= b; e += every) if (e >= lo - 1e-9 && e <= hi + 1e-9) out.push(e);
    return out;
  }
  const step = niceStep(hi - lo, target);
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return out;
}

class Plot {
  constructor(canvas, opts) {
    this.canvas = canvas;
    this.o = Object.assign({xlabel: "", ylabel: "", xlog: false, ylog: false, equal: false, xfmt: fmtSI, yfmt: fmtSI}, opts || {});
  }

  _tx(v, log) { return log ? (v > 0 ? Math.log10(v) : NaN) : v; }

  _range(values, log) {
    let lo = Infinity, hi = -Infinity;
    for (const v of values) {
      const t = this._tx(v, log);
      if (Number.isFinite(t)) { if (t < lo) lo = t; if (t > hi) hi = t; }
    }
    if (!Number.isFinite(lo)) return log ? [0, 1] : [0, 1];
    if (hi - lo < 1e-12) { const pad = log ? 0.5 : (Math.abs(lo) * 0.05 || 1); lo -= pad; hi += pad; }
    const pad = (hi - lo) * 0.05;
    return [lo - pad, hi + pad];
  }

  draw(d) {
    const c = this.canvas, o = this.o;
    const dpr = window.devicePixelRatio || 1;
    const W = c.clientWidth, H = c.clientHeight;
    if (c.width !== Math.round(W * dpr) || c.height !== Math.round(H * dpr)) { c.width = Math.round(W * dpr); c.height = Math.round(H * dpr); }
    const g = c.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, W, H);
    const series = d.series || [], bands = d.bands || [];
    const xs = [], ys = [];
    for (const s of series) { xs.push(...s.x); ys.push(...s.y); }
    for (const b of bands) { xs.push(...b.x); ys.push(...b.lo, ...b.hi); }
    const legend = d.legend || [];
    const L = 62, R = 12, T = legend.length ? 24 : 10, B = 40;
    const pw = W - L - R, ph = H - T - B;
    let [x0, x1] = this._range(xs, o.xlog), [y0, y1] = this._range(ys, o.ylog);
    if (o.equal && pw > 0 && ph > 0) {
      const sx = (x1 - x0) / pw, sy = (y1 - y0) / ph, s = Math.max(sx, sy);
      const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
      x0 = cx - s * pw / 2; x1 = cx + s * pw / 2; y0 = cy - s * ph / 2; y1 = cy + s * ph / 2;
    }
    const X = v => L + (this._tx(v, o.xlog) - x0) / (x1 - x0) * pw;
    const Y = v => T + ph - (this._tx(v, o.ylog) - y0) / (y1 - y0) * ph;
    // frame, grid and ticks
    g.strokeStyle = "#d8dde3"; g.lineWidth = 1; g.fillStyle = "#44505c"; g.font = "11px system-ui, sans-serif";
    g.textAlign = "center"; g.textBaseline = "top";
    for (const t of ticksFor(x0, x1, o.xlog, Math.max(2, pw / 80))) {
      const px = L + (t - x0) / (x1 - x0) * pw;
      g.beginPath(); g.moveTo(px, T); g.lineTo(px, T + ph); g.stroke();
      g.fillText(o.xlog ? fmtSI(Math.pow(10, t)) : o.xfmt(t), px, T + ph + 4);
    }
    g.textAlign = "right"; g.textBaseline = "middle";
    for (const t of ticksFor(y0, y1, o.ylog, Math.max(2, ph / 45))) {
      const py = T + ph - (t - y0) / (y1 - y0) * ph;
      g.beginPath(); g.moveTo(L, py); g.lineTo(L + pw, py); g.stroke();
      g.fillText(o.ylog ? fmtSI(Math.pow(10, t)) : o.yfmt(t), L - 5, py);
    }
    g.strokeStyle = "#8a96a3"; g.strokeRect(L, T, pw, ph);
    g.fillStyle = "#222"; g.textAlign = "center"; g.textBaseline = "bottom"; g.font = "12px system-ui, sans-serif";
    g.fillText(o.xlabel, L + pw / 2, H - 2);
    g.save(); g.translate(12, T + ph / 2); g.rotate(-Math.PI / 2); g.textBaseline = "middle"; g.fillText(o.ylabel, 0, 0); g.restore();
    g.save(); g.beginPath(); g.rect(L, T, pw, ph); g.clip();
    for (const b of bands) {
      g.fillStyle = b.color || "rgba(40,120,200,0.15)";
      g.beginPath();
      let started = false;
      for (let i = 0; i < b.x.length; i++) { const px = X(b.x[i]), py = Y(b.hi[i]); if (!Number.isFinite(px + py)) continue; started ? g.lineTo(px, py) : g.moveTo(px, py); started = true; }
      for (let i = b.x.length - 1; i >= 0; i--) { const px = X(b.x[i]), py = Y(b.lo[i]); if (Number.isFinite(px + py)) g.lineTo(px, py); }
      g.closePath(); g.fill();
    }
    for (const s of series) {
      g.strokeStyle = s.color || "#1f77b4"; g.fillStyle = s.color || "#1f77b4"; g.lineWidth = s.width || 1.5;
      g.setLineDash(s.dash || []);
      if (s.line !== false) {
        g.beginPath();
        let pen = false;
        for (let i = 0; i < s.x.length; i++) {
          const px = X(s.x[i]), py = Y(s.y[i]);
          if (!Number.isFinite(px + py)) { pen = false; continue; }
          pen ? g.lineTo(px, py) : g.moveTo(px, py); pen = true;
        }
        g.stroke();
      }
      g.setLineDash([]);
      if (s.marker) {
        const r = s.marker === true ? 2.2 : s.marker;
        for (let i = 0; i < s.x.length; i++) {
          const px = X(s.x[i]), py = Y(s.y[i]);
          if (Number.isFinite(px + py)) { g.beginPath(); g.arc(px, py, r, 0, 2 * Math.PI); g.fill(); }
        }
      }
    }
    g.restore();
    if (legend.length) {  // one line above the frame, so it never hides data
      g.font = "11px system-ui, sans-serif"; g.textAlign = "left"; g.textBaseline = "middle";
      let x = L;
      for (const e of legend) {
        g.fillStyle = e.color; g.fillRect(x, 9, 14, 6);
        g.fillStyle = "#222"; g.fillText(e.label, x + 18, 12);
        x += g.measureText(e.label).width + 32;
      }
    }
    if (!xs.length) {
      g.fillStyle = "#8a96a3"; g.textAlign = "center"; g.textBaseline = "middle"; g.font = "13px system-ui, sans-serif";
      g.fillText(d.empty || "no data yet", L + pw / 2, T + ph / 2);
    }
  }
}

window.Plot = Plot;
window.fmtSI = fmtSI;
