#include "daemon/web_page.h"

namespace vigil::daemon {

// Plain HTML, CSS and JavaScript: every value from the status goes through esc() before it
// reaches innerHTML. Real server lists are collapsed per virtual server (the servers that are
// down are always listed), so a director with thousands of real servers stays light on a phone;
// large status documents are polled less often.
const std::string_view kStatusPage = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>vigil status</title>
<style>
:root { --ok: #1a7f37; --bad: #c62828; --warn: #b26a00; --muted: #667; --bg: #f6f7f9;
        --card: #fff; --line: #dde; --fg: #1c1e21; --info: #1f5fbf; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #111418; --card: #1b1f24; --line: #2d333b; --fg: #e6e8eb; --muted: #9aa4b2; }
}
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       background: var(--bg); color: var(--fg); }
header { padding: 12px 16px; background: var(--card); border-bottom: 1px solid var(--line);
         position: sticky; top: 0; z-index: 1; }
header h1 { font-size: 18px; margin: 0; }
header .sub { color: var(--muted); font-size: 13px; }
main { padding: 12px; max-width: 1100px; margin: 0 auto; }
h2 { font-size: 16px; margin: 18px 4px 8px; }
.grid { display: grid; gap: 10px; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px;
        padding: 10px 12px; }
.card h3 { font-size: 15px; margin: 0 0 6px; display: flex; justify-content: space-between;
           gap: 8px; align-items: center; word-break: break-all; }
.kv { display: grid; grid-template-columns: auto 1fr; gap: 2px 10px; font-size: 13px; }
.kv span:nth-child(odd) { color: var(--muted); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
         font-weight: 600; color: #fff; background: var(--muted); white-space: nowrap; }
.MASTER, .UP, .ok { background: var(--ok); }
.BACKUP { background: var(--info); }
.FAULT, .DOWN, .bad { background: var(--bad); }
.warn { background: var(--warn); }
.dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%; margin-right: 6px;
       background: var(--bad); }
.dot.up { background: var(--ok); }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 4px 6px; border-top: 1px solid var(--line);
         vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
.scroll { overflow-x: auto; }
.nw { white-space: nowrap; }
.muted { color: var(--muted); }
.reason { color: var(--bad); font-size: 12px; }
details summary { cursor: pointer; color: var(--info); font-size: 13px; margin-top: 6px; }
#banner { display: none; padding: 8px 16px; background: var(--bad); color: #fff; }
#banner.show { display: block; }
#filter { width: 100%; padding: 6px 8px; border: 1px solid var(--line); border-radius: 6px;
          background: var(--card); color: var(--fg); margin: 0 0 8px; font-size: 14px; }
</style>
</head>
<body>
<header>
  <h1 id="title">vigil</h1>
  <div class="sub" id="summary">loading&hellip;</div>
</header>
<div id="banner" role="alert"></div>
<main>
  <h2>VRRP</h2>
  <div id="vrrp" class="grid"></div>
  <h2>Virtual servers</h2>
  <input id="filter" type="search" placeholder="Filter real servers (address, state)"
         aria-label="Filter real servers">
  <div id="checkers" class="grid"></div>
  <h2>IPVS</h2>
  <div id="ipvs"></div>
</main>
<script>
"use strict";
const open = new Set();
let last = null, interval = 2000, failures = 0;
const $ = (id) => document.getElementById(id);
function esc(v) {
  return String(v ?? "").replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;",
      "\"": "&quot;", "'": "&#39;"})[c]);
}
function dur(s) {
  if (s == null) return "";
  s = Math.max(0, Math.floor(s));
  const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600),
        m = Math.floor(s % 3600 / 60), r = s % 60;
  return d ? `${d}d ${h}h` : h ? `${h}h ${m}m` : m ? `${m}m ${r}s` : `${r}s`;
}
function hp(a, p) { return (String(a).includes(":") ? `[${a}]` : a) + `:${p}`; }
function ms(s) { return s == null ? "" : (s * 1000).toFixed(s < 0.01 ? 2 : 0) + " ms"; }
function kv(pairs) {
  return `<div class="kv">${pairs.filter((p) => p[1] !== "" && p[1] != null)
      .map(([k, v]) => `<span>${esc(k)}</span><span>${v}</span>`).join("")}</div>`;
}
function renderVrrp(v) {
  if (!v.running) return `<div class="card muted">VRRP is not running (no vrrp_instance, or -C).</div>`;
  return v.instances.map((i) => {
    const tracked = i.tracked.map((t) => `${esc(t.kind)} ${esc(t.name)}: ${esc(t.state)}` +
        (t.fault ? " <b>FAULT</b>" : t.contribution ? ` (${t.contribution > 0 ? "+" : ""}${t.contribution})` : ""))
        .join("<br>");
    const prio = i.effective_priority === i.base_priority ? `${i.effective_priority}` :
        `${i.effective_priority} <span class="muted">(base ${i.base_priority})</span>`;
    return `<div class="card" data-instance="${esc(i.name)}" data-state="${esc(i.state)}">
      <h3><span>${esc(i.name)}</span><span class="badge ${esc(i.state)}">${esc(i.state)}</span></h3>
      ${kv([["priority", prio], ["master", esc(i.master ?? "none heard")],
            ["interface", esc(i.interface || "-") + " &middot; VRID " + esc(i.vrid) + " &middot; v" + esc(i.version)],
            ["VIPs", i.vips.map(esc).join("<br>")],
            ["in state", dur(i.in_state_seconds) + ` <span class="muted">(${esc(i.counters.transitions)} changes)</span>`],
            ["adverts", `${esc(i.counters.adverts_sent)} sent, ${esc(i.counters.adverts_received)} received, ${esc(i.counters.dropped_total)} dropped`],
            ["sync group", esc(i.sync_group)], ["tracking", tracked]])}
    </div>`;
  }).join("");
}
function checkCell(c) {
  const l = c.last;
  const res = l ? (l.result === "success" ? ms(l.latency_seconds) :
      `<span class="reason">${esc(l.reason || "failed")}</span>`) : `<span class="muted">not run</span>`;
  return `${esc(c.type)} <span class="badge ${esc(c.state)}">${esc(c.state)}</span> ${res}`;
}
function rsRows(rss) {
  return rss.map((r) => `<tr data-real-server="${esc(r.name)}" data-alive="${r.alive}">
      <td class="nw"><span class="dot ${r.alive ? "up" : ""}"></span>${esc(hp(r.address, r.port))}</td>
      <td>${esc(r.weight)}</td><td>${r.checks.map(checkCell).join("<br>")}</td></tr>`).join("");
}
function table(rows) {
  return `<div class="scroll"><table><tr><th>real server</th><th>weight</th><th>checks</th></tr>${rows}</table></div>`;
}
function renderCheckers(c, filter) {
  if (!c.running) return `<div class="card muted">Health checkers are not running (no virtual_server, or -P).</div>`;
  return c.virtual_servers.map((vs) => {
    const rss = filter ? vs.real_servers.filter((r) =>
        `${hp(r.address, r.port)} ${r.alive ? "up" : "down"}`.toLowerCase().includes(filter)) : vs.real_servers;
    if (filter && !rss.length) return "";
    const up = vs.real_servers.filter((r) => r.alive).length;
    const down = rss.filter((r) => !r.alive);
    const showAll = filter || open.has(vs.name) || vs.real_servers.length <= 8;
    let body = showAll ? table(rsRows(rss)) : (down.length ? table(rsRows(down)) : "");
    if (!filter && vs.real_servers.length > 8) {
      body += `<details data-vs="${esc(vs.name)}" ${open.has(vs.name) ? "open" : ""}>
        <summary>${open.has(vs.name) ? "hide" : "show"} all ${vs.real_servers.length} real servers</summary></details>`;
    }
    return `<div class="card" data-virtual-server="${esc(vs.name)}">
      <h3><span>${esc(vs.name)}</span><span class="badge ${vs.quorum_up ? "ok" : "bad"}">${vs.quorum_up ? "quorum" : "no quorum"}</span></h3>
      ${kv([["real servers", `${up} of ${vs.real_servers.length} up`],
            ["alive weight", `${esc(vs.alive_weight)} <span class="muted">(quorum ${esc(vs.quorum)})</span>`],
            ["sorry server", vs.sorry_server_active ? `<span class="badge warn">active</span>` : ""]])}
      ${body}</div>`;
  }).join("");
}
function renderIpvs(p) {
  if (!p.running) return `<div class="card muted">No IPVS table is programmed (no virtual_server, or -P).</div>`;
  if (!p.available) {
    return `<div class="card" id="ipvs-unavailable"><span class="badge warn">unavailable</span>
      IPVS is not available in this kernel (module ip_vs not loaded); vigil keeps trying and
      programs the table as soon as it appears. Health checks go on meanwhile.</div>`;
  }
  const head = `<div class="muted" style="margin:0 4px 6px">${p.settled ? "in sync with the configuration" : "changes pending"}
      &middot; counters ${p.counters_age_seconds == null ? "not read yet" : dur(p.counters_age_seconds) + " old"}
      &middot; ${esc(p.stats.drift_repairs)} drift repairs</div>`;
  return head + `<div class="grid">` + p.services.map((s) => `<div class="card">
    <h3><span>${esc(s.service)}</span><span class="badge">${esc(s.scheduler)}</span></h3>
    <div class="scroll"><table><tr><th>destination</th><th>fwd</th><th>weight</th><th>active</th><th>inact</th></tr>
    ${s.destinations.map((d) => `<tr><td class="nw">${esc(hp(d.address, d.port))}</td><td>${esc(d.forward)}</td>
      <td>${esc(d.applied_weight ?? "-")}${d.desired_weight !== d.applied_weight ? ` <span class="muted">&rarr; ${esc(d.desired_weight ?? "removed")}</span>` : ""}</td>
      <td>${esc(d.active_connections ?? "")}</td><td>${esc(d.inactive_connections ?? "")}</td></tr>`).join("")}
    </table></div></div>`).join("") + `</div>`;
}
function render() {
  const s = last;
  if (!s) return;
  const d = s.daemon, c = s.config, r = c.last_reload;
  document.title = `vigil ${d.router_id}`;
  $("title").textContent = `vigil \u00b7 ${d.router_id}`;
  const reload = r ? ` \u00b7 last reload ${r.result}` +
      (r.errors ? ` (${r.errors} error${r.errors === 1 ? "" : "s"})` : "") : "";
  $("summary").innerHTML = `${esc(c.file)} \u00b7 up ${dur(d.uptime_seconds)} \u00b7 v${esc(d.version)}` +
      `${esc(reload)} \u00b7 updated <span id="updated">${esc(new Date(d.time).toLocaleTimeString())}</span>`;
  $("vrrp").innerHTML = renderVrrp(s.vrrp);
  $("checkers").innerHTML = renderCheckers(s.checkers, $("filter").value.trim().toLowerCase());
  $("ipvs").innerHTML = renderIpvs(s.ipvs);
}
document.addEventListener("toggle", (e) => {
  const vs = e.target.dataset && e.target.dataset.vs;
  // Re-rendered <details open> fire toggle too: only a change of the set renders again.
  if (!vs || e.target.open === open.has(vs)) return;
  if (e.target.open) open.add(vs); else open.delete(vs);
  render();
}, true);
$("filter").addEventListener("input", render);
async function poll() {
  try {
    const res = await fetch("status.json", {cache: "no-store"});
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const text = await res.text();
    last = JSON.parse(text);
    interval = text.length > 1000000 ? 10000 : 2000;
    failures = 0;
    $("banner").className = "";
    render();
  } catch (e) {
    failures++;
    $("banner").textContent = `Cannot reach vigild (${e.message}); showing the last known state.`;
    $("banner").className = "show";
  }
  setTimeout(poll, failures ? Math.min(interval * failures, 15000) : interval);
}
poll();
</script>
</body>
</html>
)html";

}  // namespace vigil::daemon
