/* ssbcert monitor page: index of sessions, or one session live (server-sent events) / replayed. */
"use strict";

const $ = id => document.getElementById(id);
const K0 = 273.15;
const TOKEN_KEY = "ssbcert-monitor-token";

function takeToken() {
  const params = new URLSearchParams(location.search);
  const t = params.get("token");
  if (t) {
    sessionStorage.setItem(TOKEN_KEY, t);
    params.delete("token");
    const q = params.toString();
    history.replaceState(null, "", location.pathname + (q ? "?" + q : ""));
  }
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

function esc(s) { return String(s == null ? "" : s).replace(/[&<>"]/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c])); }

function duration(s) {
  if (s == null || !Number.isFinite(s)) return "?";
  s = Math.round(s);
  const h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60), r = s % 60;
  return h ? `${h} h ${String(m).padStart(2, "0")} min` : m ? `${m} min ${String(r).padStart(2, "0")} s` : `${r} s`;
}

// colour of a spectrum by its temperature (cool blue → warm red), the latest drawn thicker
function tempColour(T, lo, hi) {
  const f = hi > lo ? (T - lo) / (hi - lo) : 0.5;
  const stops = [[49, 54, 149], [69, 117, 180], [116, 173, 209], [253, 174, 97], [244, 109, 67], [215, 48, 39]];
  const x = Math.min(Math.max(f, 0), 1) * (stops.length - 1), i = Math.min(Math.floor(x), stops.length - 2), u = x - i;
  const c = stops[i].map((v, k) => Math.round(v + (stops[i + 1][k] - v) * u));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/* ---------------------------------------------------------------- index */
async function showIndex(cfg) {
  $("index-view").hidden = false;
  $("title").textContent = "sessions";
  $("status").dataset.state = "index"; $("status").textContent = "index";
  $("root").textContent = cfg.root;
  const data = await (await fetch("/api/sessions")).json();
  $("sessions").tBodies[0].innerHTML = data.local.map(s =>
    `<tr><td><a href="/s/${encodeURIComponent(s.name)}">${esc(s.name)}</a></td><td>${esc(s.protocol)}</td><td>${esc(s.created_utc.slice(0, 19))}</td><td>${esc(s.operator)}</td><td>${esc(s.exit_status || "running or stopped")}</td></tr>`
  ).join("") || `<tr><td colspan="5">no session directories under ${esc(cfg.root)}</td></tr>`;
  if (cfg.registry) {
    $("registry-card").hidden = false;
    if (data.registry_error) { $("registry-error").hidden = false; $("registry-error").textContent = data.registry_error; return; }
    const reg = data.registry;
    $("reg-sessions").tBodies[0].innerHTML = reg.sessions.map(s =>
      `<tr><td>${s.path ? `<a href="/s/id:${encodeURIComponent(s.id)}">${esc(s.id)}</a>` : esc(s.id)}</td><td>${esc(s.protocol)}</td><td>${esc(s.sample_id)}</td><td>${esc(s.started_utc.slice(0, 19))}</td><td>${esc(s.path)}</td></tr>`
    ).join("") || `<tr><td colspan="5">no sessions registered</td></tr>`;
    $("reg-certs").tBodies[0].innerHTML = reg.certificates.map(c =>
      `<tr><td>${esc(c.id.replace("urn:uuid:", ""))}</td><td>${esc(c.sample_id)}</td><td>${esc(c.material)}</td><td>${c.thickness_um == null ? "–" : (+c.thickness_um).toPrecision(3)}</td><td>${c.sigma_total_S_cm == null ? "–" : c.sigma_total_S_cm.toExponential(2)}</td><td>${c.temperature_K == null ? "–" : (c.temperature_K - K0).toFixed(1)}</td><td>${esc(c.outcome)}</td><td>${esc(c.issued_utc.slice(0, 19))}</td></tr>`
    ).join("") || `<tr><td colspan="8">no certificates</td></tr>`;
  }
}

/* ---------------------------------------------------------------- one session */
const S = {info: null, spectra: [], traces: [], temperature: [], dcLive: [], messages: [], status: null, progress: null, io: []};
let plots = null, dirty = false;

function merge(u) {
  if (u.info) S.info = u.info;
  for (const k of ["spectra", "traces", "temperature", "messages"]) if (u[k]) S[k].push(...u[k]);
  if (u.dc_live) S.dcLive.push(...u.dc_live);
  for (const k of ["status", "progress", "io"]) if (u[k] !== undefined) S[k] = u[k];
  if (!dirty) { dirty = true; requestAnimationFrame(render); }
}

function renderHeader(token) {
  const st = S.status || {state: "waiting"};
  $("status").dataset.state = st.state; $("status").textContent = st.state;
  if (S.info) {
    $("title").textContent = `${S.info.name} · ${S.info.protocol}` + (S.info.bench.sim ? ` · simulated bench ×${S.info.bench.time_scale}` : ` · ${S.info.bench.name}`);
    document.title = `${st.state} · ${S.info.name} · ssbcert`;
  }
  $("controls").hidden = false;
  for (const b of document.querySelectorAll(".controls button")) {
    const a = b.dataset.action;
    b.disabled = !token || !st.live || (a === "pause" && st.state === "paused") || (a === "resume" && st.state !== "paused");
    b.title = token ? "" : "open the link printed by `ssbcert monitor` (it holds the control token)";
  }
  $("reason").textContent = st.reason || "";
}

function renderProgress() {
  const p = S.progress;
  if (!p) return;
  $("bar-fill").style.width = `${(100 * p.fraction).toFixed(1)}%`;
  let text = `step ${p.steps_done}/${p.steps_total} · ${(100 * p.fraction).toFixed(0)} %`;
  if (p.instrument_left_s != null) text += ` · instrument time left ${duration(p.instrument_left_s)}`;
  if (S.status && S.status.state === "paused") text += " · paused";
  else if (p.eta_wall_s != null) text += ` · ETA ${duration(p.eta_wall_s)}`;
  $("progress-text").textContent = text;
  if (p.current) {
    $("step-where").textContent = `${p.current.id} (${p.current.where})`;
    $("step-text").textContent = p.current.text || "(protocol text not found)";
  } else if (S.status && !S.status.live) {
    $("step-where").textContent = ""; $("step-text").textContent = S.status.state === "waiting" ? "waiting for the run to start" : "no step running";
  }
}

function renderSpectra() {
  const sp = S.spectra;
  $("n-spectra").textContent = `${sp.length} spectr${sp.length === 1 ? "um" : "a"}`;
  $("nyquist").dataset.spectra = sp.length;
  // colours span the plan's setpoints (stable while the run goes on), else the measured temperatures
  const planned = ((S.info && S.info.steps) || []).map(s => s.setpoint_K).filter(Number.isFinite);
  const Ts = planned.length ? planned : sp.map(s => s.temperature_K).filter(Number.isFinite);
  let lo = Math.min(...Ts), hi = Math.max(...Ts);
  if (!(hi - lo >= 2)) { lo -= 1; hi += 1; }
  const ny = [], mag = [], ph = [], legend = [], seen = new Set();
  sp.forEach((s, i) => {
    const col = Number.isFinite(s.temperature_K) ? tempColour(s.temperature_K, lo, hi) : "#555";
    const last = i === sp.length - 1, width = last ? 2.4 : 1.2;
    ny.push({x: s.zr, y: s.zi.map(v => -v), color: col, width, marker: last ? 2.6 : 1.6});
    mag.push({x: s.f, y: s.zr.map((r, k) => Math.hypot(r, s.zi[k])), color: col, width, marker: last ? 2 : false});
    ph.push({x: s.f, y: s.zr.map((r, k) => -Math.atan2(s.zi[k], r) * 180 / Math.PI), color: col, width, marker: last ? 2 : false});
    const label = Number.isFinite(s.temperature_K) ? `${(s.temperature_K - K0).toFixed(1)} °C` : "T unknown";
    if (!seen.has(label) && legend.length < 8) { seen.add(label); legend.push({label, color: col}); }
  });
  plots.nyquist.draw({series: ny, legend, empty: "waiting for the first spectrum"});
  plots.mag.draw({series: mag, empty: "waiting for the first spectrum"});
  plots.phase.draw({series: ph});
}

function renderTemperature() {
  const rows = S.temperature.filter(r => r[0] != null && r[1] != null);
  // no line across a stretch without readings (the stage is not read during a sweep)
  const gaps = rows.slice(1).map((r, i) => r[0] - rows[i][0]).sort((a, b) => a - b);
  const typical = gaps.length ? gaps[Math.floor(gaps.length / 2)] : Infinity;
  const x = [], y = [];
  rows.forEach((r, i) => { if (i && r[0] - rows[i - 1][0] > 4 * typical) { x.push(NaN); y.push(NaN); } x.push(r[0] / 60); y.push(r[1] - K0); });
  const withBand = rows.filter(r => r[2] != null && r[3] != null);
  const sx = [], sy = [];  // the setpoint as a staircase: it changes at a step, it does not ramp between readings
  withBand.forEach((r, i) => { if (i && r[2] !== withBand[i - 1][2]) { sx.push(r[0] / 60); sy.push(withBand[i - 1][2] - K0); } sx.push(r[0] / 60); sy.push(r[2] - K0); });
  const series = [
    {x: sx, y: sy, color: "#66727e", dash: [5, 4], width: 1.2},
    {x, y, color: "#c5221f", width: 1.6, marker: rows.length < 300 ? 1.5 : false},
  ];
  const bands = [];  // one band per setpoint, so no sliver joins two of them
  for (const r of withBand) {
    let b = bands[bands.length - 1];
    if (!b || b.sp !== r[2] || b.w !== r[3]) { b = {sp: r[2], w: r[3], x: [], lo: [], hi: [], color: "rgba(30,142,62,0.14)"}; bands.push(b); }
    b.x.push(r[0] / 60); b.lo.push(r[2] - r[3] - K0); b.hi.push(r[2] + r[3] - K0);
  }
  const legend = rows.length ? [{label: "sample stage", color: "#c5221f"}, {label: "setpoint", color: "#66727e"}, {label: "stability band", color: "rgba(30,142,62,0.4)"}] : [];
  plots.temperature.draw({series, bands, legend, empty: "no temperature readings yet"});
  const last = rows[rows.length - 1];
  $("t-now").textContent = last ? `${(last[1] - K0).toFixed(2)} °C → ${last[2] == null ? "?" : (last[2] - K0).toFixed(2)} °C` : "";
}

function renderDc() {
  const series = S.traces.map((t, i) => ({x: t.t, y: t.i, color: ["#1f6fb4", "#d08a00", "#6a3d9a", "#1e8e3e"][i % 4], marker: t.t.length < 200 ? 1.8 : false}));
  const recorded = new Set(S.traces.map(t => t.point));
  const live = S.dcLive.filter(r => !recorded.has(r[0]) && r[2] != null);
  if (live.length) series.push({x: live.map(r => r[1]), y: live.map(r => r[2]), color: "#999", marker: 2, line: false});
  plots.dc.draw({series, empty: "no DC polarization recorded"});
  const t = S.traces[S.traces.length - 1];
  $("dc-now").textContent = t ? `${t.v == null ? "" : fmtSI(t.v) + "V, "}last ${fmtSI(t.i[t.i.length - 1])}A` : (live.length ? `live: ${fmtSI(live[live.length - 1][2])}A` : "");
}

function renderLists() {
  $("messages").innerHTML = S.messages.slice(-60).reverse().map(m =>
    `<li><span class="t">${esc((m.wall_utc || "").slice(11, 19))}</span> <span class="k k-${esc(m.kind)}">${esc(m.kind)}</span> ${esc(m.step)}: ${esc(m.text)}</li>`).join("") || "<li>none</li>";
  $("io").innerHTML = S.io.map(e => {
    const cls = e.dir === "write" ? "w" : e.dir === "read" ? "r" : "e";
    const arrow = e.dir === "write" ? "→" : e.dir === "read" ? "←" : "·";
    return `<span class="${cls}">${String(e.n).padStart(6)} ${arrow} ${esc((e.res || "").replace("TCPIP::", "").replace("::SOCKET", ""))} ${esc(e.data)}</span>`;
  }).join("\n");
  $("io").scrollTop = $("io").scrollHeight;
}

function render() {
  dirty = false;
  renderHeader(window.__token);
  renderProgress();
  renderSpectra();
  renderTemperature();
  renderDc();
  renderLists();
}

function showSession(key, token) {
  window.__token = token;
  $("session-view").hidden = false;
  plots = {
    nyquist: new Plot($("nyquist"), {xlabel: "Z′ / Ω", ylabel: "−Z″ / Ω", equal: true}),
    mag: new Plot($("bode-mag"), {xlabel: "", ylabel: "|Z| / Ω", xlog: true, ylog: true}),
    phase: new Plot($("bode-phase"), {xlabel: "f / Hz", ylabel: "−φ / °", xlog: true, yfmt: v => v.toFixed(0)}),
    temperature: new Plot($("temperature"), {xlabel: "instrument time / min", ylabel: "T / °C", xfmt: v => +v.toFixed(1) + "", yfmt: v => +v.toFixed(2) + ""}),
    dc: new Plot($("dc"), {xlabel: "t / s", ylabel: "I / A"}),
  };
  const es = new EventSource(`/api/s/${encodeURIComponent(key)}/stream`);
  es.addEventListener("update", ev => merge(JSON.parse(ev.data)));
  es.addEventListener("end", ev => { merge({status: JSON.parse(ev.data)}); es.close(); $("footer").textContent = "finished: this is the recorded session (replay view)"; });
  es.onerror = () => { if (es.readyState === EventSource.CLOSED) return; $("footer").textContent = "connection to the monitor lost; retrying…"; };
  for (const b of document.querySelectorAll(".controls button")) {
    b.addEventListener("click", async () => {
      if (b.dataset.action === "abort" && !confirm("Abort the run? It stops at the next safe point (resumable).")) return;
      const r = await fetch(`/api/s/${encodeURIComponent(key)}/control`, {method: "POST", headers: {"Content-Type": "application/json", "X-Ssbcert-Token": token}, body: JSON.stringify({action: b.dataset.action})});
      const body = await r.json();
      $("control-msg").textContent = body.ok ? `${b.dataset.action} requested; the runner acts at its next safe point` : `refused: ${body.error}`;
    });
  }
  window.addEventListener("resize", () => { if (!dirty) { dirty = true; requestAnimationFrame(render); } });
}

(async function main() {
  const token = takeToken();
  const cfg = await (await fetch("/api/config")).json();
  const m = location.pathname.match(/^\/s\/(.+)$/);
  if (m) showSession(decodeURIComponent(m[1]), token);
  else if (cfg.session) location.replace(`/s/${encodeURIComponent(cfg.session)}`);
  else showIndex(cfg);
})();
