// guessgame's report page: the glue between the run's data, plotly's figures and the controls.
// Every curve arrives placed on its axis as whole numbers 0..RES (null: a gap); the axes carry
// their own tick labels, so the page draws what the static figures draw.
(function () {
  "use strict";
  const D = JSON.parse(document.getElementById("guessgame-data").textContent);
  const F = JSON.parse(document.getElementById("guessgame-figures").textContent);
  const RES = 10000;
  const CONFIG = {displaylogo: false, responsive: true, modeBarButtonsToRemove: ["sendDataToCloud"]};
  const $ = (id) => document.getElementById(id);
  const runs = D.runs;
  runs.forEach((r) => { let t = 0; r.t = r.a.map((d) => (t += d)); });

  // --- values back from their places on an axis, for hover texts and the attempt readout ---------
  function valueText(view, q) {
    if (q === null || q === undefined) return "—";
    const u = view.limits[0] + (q / RES) * (view.limits[1] - view.limits[0]);
    const eps = (view.limits[1] - view.limits[0]) / RES;
    if (view.floor !== null && Math.abs(u - view.floor) <= eps) return "0 (exact)";
    if (u > view.inside[1] + eps) return "past the top (larger, inf or nan)";
    if (u < view.inside[0] - eps) return "past the bottom (smaller, or −inf)";
    let v = u;
    if (view.scale === "log") v = Math.pow(10, u);
    if (view.scale === "symlog") {
      const a = Math.abs(u);
      v = Math.sign(u) * (a > 1 ? view.linthresh * Math.pow(10, a - 1) : view.linthresh * a);
    }
    return "≈ " + Number(v.toPrecision(4)).toString();
  }
  const lossView = D.axes.loss.view;

  function plain(axis) { const out = Object.assign({}, axis); delete out.view; return out; }
  for (const name of Object.keys(F)) {
    const layout = F[name].layout;
    for (const key of Object.keys(layout)) if (/^[xy]axis\d*$/.test(key)) layout[key] = plain(layout[key]);
  }

  // --- the loss chart: every run faint (one trace per status), the selected run on top ------------
  function faint() {
    const by = {};
    for (const r of runs) {
      const s = (by[r.status] = by[r.status] || {x: [], y: []});
      s.x.push(...r.t, null);
      s.y.push(...r.loss, null);
    }
    return Object.keys(D.colors).filter((s) => by[s]).map((s) => ({
      type: "scatter", mode: "lines", x: by[s].x, y: by[s].y, name: s + " runs",
      line: {color: D.colors[s], width: 1}, opacity: runs.length > 50 ? 0.18 : 0.35, hoverinfo: "skip",
    }));
  }
  // Two plots stacked: the faint runs underneath, drawn once; the selected run on a see-through plot
  // above with the same axes, so a new selection redraws only its own few traces.
  const lossFig = F.loss;
  const under = Object.assign({}, lossFig.layout, {showlegend: false, title: {text: ""}});
  const clear = (axis) => Object.assign({}, axis, {showgrid: false, showticklabels: false, ticks: "",
                                                   title: {text: ""}, showline: false});
  lossFig.layout = Object.assign({}, lossFig.layout, {xaxis: clear(lossFig.layout.xaxis), yaxis: clear(lossFig.layout.yaxis),
    shapes: [], paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)"});
  const faintTraces = faint();
  lossFig.data = faintTraces.map((t) => Object.assign({}, t, {x: [null], y: [null]})); // their legend entries
  const L = lossFig.data.length; // the selected run's traces follow them
  lossFig.data.push(
    {type: "scatter", mode: "lines", x: [], y: [], name: "theory",
     line: {color: "gray", width: 8}, opacity: 0.3, hoverinfo: "skip", visible: false},
    {type: "scatter", mode: "lines+markers", x: [], y: [], name: "this run", line: {width: 2.5},
     marker: {size: 4}, hovertemplate: "attempt %{x}<br>loss %{text}<extra></extra>", text: []},
    {type: "scatter", mode: "markers", x: [], y: [], name: "left the view",
     marker: {size: 12, color: "white", line: {color: "black", width: 1.2}, symbol: []}, hoverinfo: "skip"},
    {type: "scatter", mode: "markers", x: [], y: [], name: "diverged here", hoverinfo: "skip",
     marker: {symbol: "x", size: 14, color: D.colors.diverged, line: {color: "black", width: 1}}},
    {type: "scatter", mode: "markers", x: [], y: [], name: "this attempt", hoverinfo: "skip",
     marker: {size: 14, color: "rgba(0,0,0,0)", line: {color: "black", width: 2}}},
  );

  // --- selection ---------------------------------------------------------------------------------
  const lrs = [...new Set(runs.map((r) => r.lr))].sort((a, b) => a - b);
  const byLr = new Map(lrs.map((lr) => [lr, new Map()]));
  runs.forEach((r, k) => byLr.get(r.lr).set(r.game, k));
  let selected = 0, row = 0, timer = null;

  function lrIndexOf(k) { return lrs.indexOf(runs[k].lr); }

  function lossTraces(k) {
    const r = runs[k], color = D.colors[r.status];
    const up = r.loss_exits.map((e) => e[0]);
    const theory = D.theory_curve && r.theory ? theoryCurve(r) : null;
    const at = r.t[row], q = r.loss[row];
    return {
      x: [theory ? theory.x : [], r.t, up, r.diverged ? [r.diverged[0]] : [], [at]],
      y: [theory ? theory.y : [], r.loss, r.loss_exits.map((e) => (e[1] > 0 ? RES : 0)),
          r.diverged ? [r.diverged[1]] : [], [q === null ? null : q]],
      visible: [Boolean(theory), true, true, true, true],
      "line.color": [undefined, color, undefined, undefined, undefined],
      "marker.color": [undefined, color, undefined, undefined, undefined],
      "marker.symbol": [undefined, undefined, r.loss_exits.map((e) => (e[1] > 0 ? "triangle-up" : "triangle-down")),
                        undefined, undefined],
      text: [undefined, r.loss.map((q) => valueText(lossView, q)), undefined, undefined, undefined],
    };
  }

  function theoryCurve(r) {
    const c = D.theory_curve, span = c.limits[1] - c.limits[0];
    const x = [], y = [];
    for (let t = 1; t <= D.attempts; t += Math.max(1, Math.floor(D.attempts / 400))) {
      const u = r.theory[0] + 2 * (t - 1) * r.theory[1];
      x.push(t);
      y.push(u < c.low || u > c.high ? null : Math.round(((u - c.limits[0]) / span) * RES));
    }
    return {x, y};
  }

  const palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"];
  function trajectoryData(k) {
    const r = runs[k], traces = [];
    const guessView = r.guess_axis.view;
    r.guess.forEach((g, e) => traces.push({
      type: "scatter", mode: r.t.length <= 80 ? "lines+markers" : "lines", x: r.t, y: g, name: D.elements[e],
      line: {color: palette[e % 6], width: 2}, marker: {size: 4}, text: g.map((q) => valueText(guessView, q)),
      hovertemplate: D.elements[e] + " at attempt %{x}: %{text}<extra></extra>",
    }));
    r.answer.forEach((q, e) => traces.push({
      type: "scatter", mode: "lines", x: [1, D.attempts], y: [q, q], name: e ? undefined : "answer (dashed)",
      showlegend: e === 0, line: {color: palette[e % 6], dash: "dash", width: 1.2}, hoverinfo: "skip",
    }));
    const exits = r.guess_exits.flat();
    if (exits.length) traces.push({
      type: "scatter", mode: "markers", x: exits.map((e) => e[0]), name: "left the view",
      y: exits.map((e) => (e[1] > 0 ? RES : 0)), hoverinfo: "skip",
      marker: {size: 11, color: "white", symbol: exits.map((e) => (e[1] > 0 ? "triangle-up" : "triangle-down")),
               line: {color: "black", width: 1.2}},
    });
    traces.push({type: "scatter", mode: "markers", x: r.guess.map(() => r.t[row]), y: r.guess.map((g) => g[row]),
                 name: "this attempt", hoverinfo: "skip",
                 marker: {size: 12, color: "rgba(0,0,0,0)", line: {color: "black", width: 2}}});
    const layout = Object.assign({}, F.trajectory.layout, {shapes: events(r), yaxis: plain(r.guess_axis)});
    return {data: traces, layout};
  }

  function events(r) {
    const shapes = [{type: "line", xref: "x", yref: "paper", x0: r.t[row], x1: r.t[row], y0: 0, y1: 1,
                     line: {color: "#888", width: 1}}];
    if (r.status === "converged" || r.status === "diverged") shapes.push(
      {type: "line", xref: "x", yref: "paper", x0: r.at, x1: r.at, y0: 0, y1: 1,
       line: {color: D.colors[r.status], width: 1.6, dash: "dot"}});
    return shapes;
  }

  function pathData(k) {
    const r = runs[k], color = D.colors[r.status];
    const pathY = D.axes.path_y.view, pathX = D.axes.path_x.view;
    const edge = (q) => q === 0 || q === RES;
    const clipped = r.px.map((x, i) => x !== null && (edge(x) || edge(r.py[i])));
    const data = [F.path.data[0], {
      type: "scatter", mode: "lines+markers", x: r.px, y: r.py, name: r.name, line: {color, width: 1.5},
      marker: {size: 6, color}, text: r.px.map((x, i) => `attempt ${r.t[i]}: error ${valueText(pathX, x)}, ` +
                                                        `loss ${valueText(pathY, r.py[i])}`),
      hovertemplate: "%{text}<extra></extra>",
    }, {
      type: "scatter", mode: "markers", name: "past the frame: drawn at its edge",
      x: r.px.filter((_, i) => clipped[i]), y: r.py.filter((_, i) => clipped[i]), hoverinfo: "skip",
      marker: {symbol: "diamond", size: 11, color: "white", line: {color: "black", width: 1.2}},
    }, {
      type: "scatter", mode: "markers", name: "start", x: [r.px[0]], y: [r.py[0]], hoverinfo: "skip",
      marker: {size: 16, color: "rgba(0,0,0,0)", line: {color: "black", width: 1.2}},
    }, {
      type: "scatter", mode: "markers", name: "this attempt", x: [r.px[row]], y: [r.py[row]], hoverinfo: "skip",
      marker: {size: 13, color, line: {color: "black", width: 2}},
    }];
    return {data, layout: F.path.layout};
  }

  function compareRing(k) {
    // rings drawn as shapes: moving a shape redraws no trace, so a thousand points stay quick
    const r = runs[k];
    return {[`shapes[${S}].xanchor`]: r.cx, [`shapes[${S}].yanchor`]: r.final[0],
            [`shapes[${S + 1}].xanchor`]: r.cx, [`shapes[${S + 1}].yanchor`]: r.at};
  }

  function tableRows(k) {
    const r = runs[k], rows = [];
    const cells = (row) => "<tr>" + row.map((c) => `<td>${escape(c)}</td>`).join("") + "</tr>";
    r.head.forEach((row) => rows.push(cells(row)));
    if (r.skipped) rows.push(`<tr class="gap"><td colspan="3">… ${r.skipped.toLocaleString()} attempts not shown` +
                             " (all are in attempts.csv)</td></tr>");
    r.tail.forEach((row) => rows.push(cells(row)));
    return rows.join("");
  }

  function escape(text) {
    return String(text).replace(/[&<>"]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]));
  }

  function readout() {
    const r = runs[selected];
    $("attempt").textContent = `attempt ${r.t[row]} of ${r.t[r.t.length - 1]}: loss ${valueText(lossView, r.loss[row])}`;
    $("step").value = row;
  }

  function drawAttempt() {
    const r = runs[selected];
    const lossAt = Plotly.restyle("loss", {x: [[r.t[row]]], y: [[r.loss[row]]]}, [L + 4]);
    const traj = $("trajectory");
    const last = traj.data.length - 1;
    const trajAt = Plotly.update(traj, {x: [r.guess.map(() => r.t[row])], y: [r.guess.map((g) => g[row])]},
                                 {shapes: events(r)}, [last]);
    const pathAt = Plotly.restyle("path", {x: [[r.px[row]]], y: [[r.py[row]]]}, [4]);
    readout();
    return Promise.all([lossAt, trajAt, pathAt]);
  }

  function select(k, keepRow) {
    selected = k;
    const r = runs[k];
    row = keepRow ? Math.min(row, r.t.length - 1) : 0;
    $("lr").value = lrIndexOf(k);
    $("lr-value").textContent = r.name;
    if ($("game")) $("game").value = r.game;
    const sentence = $("sentence");
    sentence.textContent = r.sentence;
    sentence.style.borderLeftColor = D.colors[r.status];
    $("status").textContent = r.status;
    $("status").style.background = D.colors[r.status];
    $("attempts-table").innerHTML = tableRows(k);
    $("step").max = r.t.length - 1;
    for (const tr of document.querySelectorAll("#summary tbody tr")) tr.classList.toggle("chosen", +tr.dataset.k === k);
    readout();
    const t = lossTraces(k);
    const trajectory = trajectoryData(k), path = pathData(k);
    return Promise.all([
      Plotly.restyle("loss", t, [L, L + 1, L + 2, L + 3, L + 4]),
      Plotly.react("trajectory", trajectory.data, trajectory.layout, CONFIG),
      Plotly.react("path", path.data, path.layout, CONFIG),
      Plotly.relayout("compare", compareRing(k)),
    ]);
  }

  function selectLr(index) {
    const games = byLr.get(lrs[index]);
    const game = $("game") ? +$("game").value : 0;
    return select(games.has(game) ? games.get(game) : games.values().next().value);
  }

  function play() {
    const button = $("play");
    if (timer) { clearInterval(timer); timer = null; button.textContent = "▶ play"; return; }
    if (row >= runs[selected].t.length - 1) row = 0;
    button.textContent = "❚❚ pause";
    const tick = () => {
      if (row >= runs[selected].t.length - 1) { clearInterval(timer); timer = null; button.textContent = "▶ play"; return; }
      row += 1;
      drawAttempt();
    };
    timer = setInterval(tick, Math.max(60, Math.min(400, 6000 / runs[selected].t.length)));
    tick();
  }

  // --- the summary table: sortable, a click selects the run ----------------------------------------
  function summary() {
    const body = $("summary").querySelector("tbody");
    const order = runs.map((_, k) => k);
    let key = null, ascending = true;
    function fill() {
      body.innerHTML = order.map((k) => {
        const r = runs[k];
        const cells = [r.run, r.row[0], ...(D.games > 1 ? [r.game] : []), r.status, r.row[1], r.row[2], r.row[3]];
        return `<tr data-k="${k}" class="${k === selected ? "chosen" : ""}">` + cells.map((c, i) =>
          `<td${c === r.status && i > 1 ? ` style="color:${D.colors[r.status]};font-weight:600"` : ""}>${escape(c)}</td>`
        ).join("") + "</tr>";
      }).join("");
    }
    const sorters = {run: (r) => r.run, lr: (r) => r.keys[0], game: (r) => r.game, status: (r) => r.status,
                     attempts: (r) => r.keys[1], "final loss": (r) => r.keys[2], theory: (r) => r.row[3]};
    for (const th of $("summary").querySelectorAll("th")) {
      th.addEventListener("click", () => {
        const by = sorters[th.dataset.key];
        ascending = key === th.dataset.key ? !ascending : true;
        key = th.dataset.key;
        order.sort((a, b) => {
          const x = by(runs[a]), y = by(runs[b]);
          if (x === null || y === null) return x === null ? (y === null ? 0 : 1) : -1; // nan last
          return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
        });
        for (const other of $("summary").querySelectorAll("th")) other.removeAttribute("aria-sort");
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        fill();
      });
    }
    body.addEventListener("click", (event) => {
      const tr = event.target.closest("tr");
      if (tr) select(+tr.dataset.k);
    });
    fill();
  }

  // --- start -----------------------------------------------------------------------------------------
  const cx = F.compare.data.flatMap((t) => (t.yaxis ? [] : t.customdata.map((k, i) => [k, t.x[i]])));
  cx.forEach(([k, x]) => (runs[k].cx = x));
  F.compare.layout.shapes = F.compare.layout.shapes || [];
  const S = F.compare.layout.shapes.length; // the selected run's rings follow the theory lines
  for (const [xref, yref] of [["x", "y"], ["x2", "y2"]]) {
    F.compare.layout.shapes.push({type: "circle", xref, yref, xsizemode: "pixel", ysizemode: "pixel",
      xanchor: runs[0].cx, yanchor: 0, x0: -11, x1: 11, y0: -11, y1: 11, line: {color: "black", width: 2}});
  }
  $("lr").max = lrs.length - 1;
  $("lr").addEventListener("input", (e) => selectLr(+e.target.value));
  if ($("game")) $("game").addEventListener("input", () => selectLr(+$("lr").value));
  $("play").addEventListener("click", play);
  $("step").addEventListener("input", (e) => { row = +e.target.value; drawAttempt(); });
  summary();
  Plotly.newPlot("loss-all", faintTraces, under, Object.assign({}, CONFIG, {displayModeBar: false, staticPlot: true}));
  Plotly.newPlot("loss", lossFig.data, lossFig.layout, CONFIG);
  Plotly.newPlot("compare", F.compare.data, F.compare.layout, CONFIG);
  $("compare").on("plotly_click", (event) => {
    const point = event.points.find((p) => p.customdata !== undefined);
    if (point) select(point.customdata);
  });
  const first = runs.findIndex((r) => r.run === D.start);
  window.guessgame = {data: D, select, selectLr, selected: () => selected, row: () => row,
                      ready: select(first >= 0 ? first : 0)};
})();
