// guessgame's report page: the glue between the run's data, plotly's figures and the controls.
// Every curve arrives placed on its axis as whole numbers 0..RES (null: a gap), for drawing; the axes
// carry their own tick labels, so the page draws what the static figures draw. Every number the page
// prints arrives as text (a run's kept losses, guesses and errors: `lt`, `gt`, `et`), never read back
// from a place on an axis. A grid's cells each have their lrs, their game sentence and theory's note.
(function () {
  "use strict";
  const D = JSON.parse(document.getElementById("guessgame-data").textContent);
  const F = JSON.parse(document.getElementById("guessgame-figures").textContent);
  const RES = 10000;
  const CONFIG = {displaylogo: false, responsive: true, modeBarButtonsToRemove: ["sendDataToCloud"]};
  const $ = (id) => document.getElementById(id);
  const runs = D.runs;
  runs.forEach((r) => { let t = 0; r.t = r.a.map((d) => (t += d)); });

  // --- what the page prints of a run's kept attempts, as the run folder has it --------------------
  function spelled(r) {
    if (!r.lossText) {
      r.lossText = r.lt.split(" ");
      r.guessText = r.gt ? r.gt.map((g) => g.split(" ")) : null;
      r.errorText = r.et ? r.et.split(" ") : null;
    }
    return r;
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
     marker: {symbol: "x", size: 14, color: "black", line: {color: "black", width: 1}}},
    {type: "scatter", mode: "markers", x: [], y: [], name: "this attempt", hoverinfo: "skip",
     marker: {size: 14, color: "rgba(0,0,0,0)", line: {color: "black", width: 2}}},
    {type: "scatter", mode: "lines", x: [], y: [], name: "10%–90% of its lr's games", fill: "toself",
     line: {width: 0}, opacity: 0.3, hoverinfo: "skip", visible: false},
  );

  // --- selection: a cell (of a grid), an lr of that cell, a game of that lr --------------------------
  const cells = D.cells;
  const lrs = cells.map((_, c) => [...new Set(runs.filter((r) => r.cell === c).map((r) => r.lr))]
    .sort((a, b) => a - b));
  const games = new Map(); // "cell lr" -> game -> run
  runs.forEach((r, k) => {
    const key = `${r.cell} ${r.lr}`;
    if (!games.has(key)) games.set(key, new Map());
    games.get(key).set(r.game, k);
  });
  let selected = null, row = 0, timer = null;

  function lrIndexOf(k) { return lrs[runs[k].cell].indexOf(runs[k].lr); }

  function lossTraces(k) {
    const r = spelled(runs[k]), color = D.colors[r.status];
    const up = r.loss_exits.map((e) => e[0]);
    const theory = D.theory_curve && r.theory ? theoryCurve(r) : null;
    const at = r.t[row], q = r.loss[row];
    const band = r.band === null || r.band === undefined ? null : D.bands[r.band];  // noisy hints: its lr's games
    return {
      x: [theory ? theory.x : [], r.t, up, r.diverged ? [r.diverged[0]] : [], [at],
          band ? band.t.concat(band.t.slice().reverse()) : []],
      y: [theory ? theory.y : [], r.loss, r.loss_exits.map((e) => (e[1] > 0 ? RES : 0)),
          r.diverged ? [r.diverged[1]] : [], [q === null ? null : q],
          band ? band.high.concat(band.low.slice().reverse()) : []],
      visible: [Boolean(theory), true, true, true, true, Boolean(band)],
      "line.color": [undefined, color, undefined, undefined, undefined, color],
      "marker.color": [undefined, color, undefined, color, undefined, undefined],
      "marker.symbol": [undefined, undefined, r.loss_exits.map((e) => (e[1] > 0 ? "triangle-up" : "triangle-down")),
                        undefined, undefined, undefined],
      text: [undefined, r.lossText, undefined, undefined, undefined, undefined],
      fillcolor: [undefined, undefined, undefined, undefined, undefined, color],
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
    const r = spelled(runs[k]), traces = [];
    r.guess.forEach((g, e) => traces.push({
      type: "scatter", mode: r.t.length <= 80 ? "lines+markers" : "lines", x: r.t, y: g, name: D.elements[e],
      line: {color: palette[e % 6], width: 2}, marker: {size: 4}, text: r.guessText ? r.guessText[e] : undefined,
      hovertemplate: D.elements[e] + " at attempt %{x}" + (r.guessText ? ": %{text}" : "") + "<extra></extra>",
    }));
    (r.hint || []).forEach((h, e) => traces.push({  // noisy hints: the mean of each attempt's observations
      type: "scatter", mode: "markers", x: r.t, y: h, name: e ? undefined : "hints it saw", showlegend: e === 0,
      marker: {size: 4, color: palette[e % 6], opacity: 0.4, symbol: "x-thin", line: {width: 1, color: palette[e % 6]}},
      hoverinfo: "skip",
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
    const layout = Object.assign({}, F.trajectory.layout, {shapes: events(r),
                                 yaxis: Object.assign({}, F.trajectory.layout.yaxis, r.guess_axis)});
    return {data: traces, layout};
  }

  function events(r) {
    const shapes = [{type: "line", xref: "x", yref: "paper", x0: r.t[row], x1: r.t[row], y0: 0, y1: 1,
                     line: {color: "#888", width: 1}}];
    if (r.verdict_at) shapes.push(
      {type: "line", xref: "x", yref: "paper", x0: r.verdict_at, x1: r.verdict_at, y0: 0, y1: 1,
       line: {color: D.colors[r.status], width: 1.6, dash: "dot"}});
    return shapes;
  }

  function pathData(k) {
    const r = spelled(runs[k]), color = D.colors[r.status];
    const edge = (q) => q === 0 || q === RES;
    const clipped = r.px.map((x, i) => x !== null && (edge(x) || edge(r.py[i])));
    const figure = F.path.cells[r.cell];
    const data = [figure.data[0], {
      type: "scatter", mode: "lines+markers", x: r.px, y: r.py, name: r.name, line: {color, width: 1.5},
      marker: {size: 6, color}, text: r.t.map((t, i) => `attempt ${t}: ` +
                                                       (r.errorText ? `error ${r.errorText[i]}, ` : "") +
                                                       `loss ${r.lossText[i]}`),
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
    return {data, layout: figure.layout};
  }

  // --- the contour view (2+ elements): the loss's contours over the plane, the selected run's path on it --
  // The loss arrives as a table of its values across the view. Each is put in its band -- level k at k
  // exactly, linear (in log10 for a loss with a minimum) between two levels, as `contours.banded` does --
  // so one plotly contour at 0, 1, 2 ... draws the figure's own levels, whatever their spacing.
  const C = D.contour, CONTOUR_LINE = "#737373";
  function band(v, c, log) {
    let u = v === null ? Infinity : log ? Math.log10(v) : v;
    if (Number.isNaN(u)) u = Infinity;
    const n = c.length, pad = c[n - 1] - c[0] || 1, clamp = (t) => Math.min(1, Math.max(0, t));
    if (u < c[0]) return -1 + clamp((u - c[0] + pad) / pad);
    if (u > c[n - 1]) return n - 1 + clamp((u - c[n - 1]) / pad);
    let k = 0;
    while (k < n - 2 && u > c[k + 1]) k += 1;
    return n === 1 ? 0 : k + (u - c[k]) / (c[k + 1] - c[k]);
  }
  function backdrop(p) {
    const P = C.panels[p], n = P.levels.length;
    if (!n) return {type: "scatter", x: [], y: [], showlegend: false, hoverinfo: "skip"};
    const cut = P.levels.map((v) => (P.log ? Math.log10(v) : v));
    return {
      type: "contour", z: P.z.map((row) => row.map((v) => band(v, cut, P.log))), x0: 0, y0: 0,
      dx: RES / (P.z[0].length - 1), dy: RES / (P.z.length - 1), zmin: -1, zmax: n, showscale: false,
      contours: {start: 0, end: n - 1, size: 1, coloring: "fill", showlines: true, showlabels: false},
      colorscale: [[0, "#ffffff"], [1, "#dcdcdc"]], line: {color: CONTOUR_LINE, width: 0.8, smoothing: 0},
      hoverinfo: "skip",
    };
  }
  // Two plots stacked, as the loss chart's: the contours underneath, drawn when the panel changes; the
  // selected run above on a see-through plot with the same axes, so a new selection redraws only its traces.
  let panelShown = null;
  function contourUnder(p) {
    if (panelShown === p) return null;
    panelShown = p;
    const layout = Object.assign({}, F.contour[p].layout, {showlegend: false, title: {text: ""}});
    return Plotly.react("contour-under", [backdrop(p)], layout,
                        Object.assign({}, CONFIG, {displayModeBar: false, staticPlot: true}));
  }
  function contourOver(p) {
    const layout = F.contour[p].layout;
    return Object.assign({}, layout, {xaxis: clear(layout.xaxis), yaxis: clear(layout.yaxis), annotations: [],
                                      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)"});
  }

  function placed(r) {
    // a run's places on the plane arrive as steps from the place before (nulls: lost to nan)
    if (!r.plane) {
      const sum = (steps) => { let q = 0; return steps.map((d) => (d === null ? null : (q += d))); };
      r.plane = Object.assign({}, r.c, {x: sum(r.c.x), y: sum(r.c.y)});
    }
    return r.plane;
  }

  function contourData(k) {
    const r = spelled(runs[k]), c = placed(r), color = D.colors[r.status], p = C.cells[r.cell];
    const edge = (q) => q === null || q === 0 || q === RES;
    const inside = c.x.map((x, i) => !edge(x) && !edge(c.y[i]));
    const only = (values) => values.filter((_, i) => inside[i]);
    const line = c.line || [c.x, c.y], exits = c.exits || [];
    const guess = (i) => (r.guessText && r.guessText.length === D.numel
      ? `guess [${r.guessText.map((g) => g[i]).join(", ")}], ` : "");
    const data = [{
      type: "scatter", mode: "lines", x: [null], y: [null], hoverinfo: "skip", line: {color: CONTOUR_LINE, width: 1},
      name: C.panels[p].levels.length ? "the loss's contours<br>(each labelled with its value)" : "",
      showlegend: C.panels[p].levels.length > 0,
    }, {
      type: "scatter", mode: "lines", x: line[0], y: line[1], name: r.name, line: {color, width: 1.5},
      hoverinfo: "skip",
    }, {
      type: "scatter", mode: "markers", x: only(c.x), y: only(c.y), customdata: only(r.t), showlegend: false,
      name: "its logged guesses", marker: {size: 5, color}, hovertemplate: "%{text}<extra></extra>",
      text: only(r.t.map((t, i) => `attempt ${t}: ${guess(i)}loss ${r.lossText[i]}`)),
    }, {
      type: "scatter", mode: "markers", name: "left the view here,<br>the way it went", x: exits.map((e) => e[0]),
      y: exits.map((e) => e[1]), text: exits.map((e) => `left the view at attempt ${e[3]}`),
      hovertemplate: "%{text}<extra></extra>",
      marker: {symbol: exits.map((e) => e[2]), size: 13, color, line: {color: "black", width: 1}},
    }, {
      type: "scatter", mode: "markers", name: "start", x: [c.x[0]], y: [c.y[0]], hoverinfo: "skip",
      marker: {size: 16, color: "rgba(0,0,0,0)", line: {color: "black", width: 1.2}},
    }, F.contour[p].data[0], {
      type: "scatter", mode: "markers", name: "this attempt", x: [c.x[row]], y: [c.y[row]], hoverinfo: "skip",
      marker: {size: 13, color, line: {color: "black", width: 2}},
    }];
    if (c.end) {  // it stopped between kept rows: dotted on to the guess it ended with (after "this attempt")
      data.push({type: "scatter", mode: "lines", name: "on to where it ended<br>(between kept attempts)",
                 x: c.end.line[0], y: c.end.line[1], hoverinfo: "skip", line: {color, width: 1.4, dash: "dot"}});
      if (c.end.at) data.push({type: "scatter", mode: "markers", name: "where it ended", x: [c.end.at[0]],
                               y: [c.end.at[1]], hoverinfo: "skip", showlegend: false,
                               marker: {size: 9, color: "white", line: {color, width: 1.6}}});
    }
    return {data, layout: contourOver(p), under: contourUnder(p)};
  }

  // rings drawn as shapes (the first two): moving a shape redraws no trace, so a thousand points stay quick
  function rings(r) {
    return [["x", "y", r.final[0]], ["x2", "y2", r.at]].map(([xref, yref, y]) => ({
      type: "circle", xref, yref, xsizemode: "pixel", ysizemode: "pixel", xanchor: r.cx, yanchor: y,
      x0: -11, x1: 11, y0: -11, y1: 11, line: {color: "black", width: 2}}));
  }

  function compareRing(k, cellChanged) {
    const r = runs[k];
    if (!cellChanged) return Plotly.relayout("compare", {"shapes[0].xanchor": r.cx, "shapes[0].yanchor": r.final[0],
                                                         "shapes[1].xanchor": r.cx, "shapes[1].yanchor": r.at});
    // a new cell: its theory lines, and its points in front of the other cells' faded ones
    const theory = F.compare.cells[r.cell];
    const drawn = Plotly.relayout("compare", {shapes: [...rings(r), ...floorShapes, ...theory.shapes],
                                              annotations: theory.annotations});
    if (cells.length === 1) return drawn;
    const mine = (t) => t.legendgroup === `cell ${r.cell}` || t.legendgroup === "statuses";
    return drawn.then(() => Plotly.restyle("compare", {opacity: $("compare").data.map((t) => (mine(t) ? 1 : 0.35))}));
  }

  function tableRows(k) {
    // the first and last attempts: their guesses, and the kept rows' attempts and losses
    const r = spelled(runs[k]), rows = [], last = r.t.length - r.tail.length;
    const cells = (i, guess) => `<tr><td>${r.t[i]}</td><td>${escape(guess)}</td><td>${escape(r.lossText[i])}</td></tr>`;
    r.head.forEach((guess, i) => rows.push(cells(i, guess)));
    if (r.skipped) rows.push(`<tr class="gap"><td colspan="3">… ${r.skipped.toLocaleString()} attempts not shown` +
                             " (all are in attempts.csv)</td></tr>");
    r.tail.forEach((guess, j) => rows.push(cells(last + j, guess)));
    return rows.join("");
  }

  function escape(text) {
    return String(text).replace(/[&<>"]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]));
  }

  function readout() {
    const r = runs[selected];
    $("attempt").textContent = `attempt ${r.t[row]} of ${r.t[r.t.length - 1]}: loss ${spelled(r).lossText[row]}`;
    $("step").value = row;
  }

  // The marks of this attempt are drawn once a frame, for the row current then: dragging the slider or playing
  // never queues the draws of rows already left behind. The readout follows at once.
  let pending = null, drawnMarks = Promise.resolve();
  function drawAttempt() {
    readout();
    if (!pending) {
      pending = new Promise((done) => requestAnimationFrame(() => {
        pending = null;
        drawnMarks = drawMarks();
        done(drawnMarks);
      }));
    }
    return pending;
  }

  function drawMarks() {
    const r = runs[selected];
    const lossAt = Plotly.restyle("loss", {x: [[r.t[row]]], y: [[r.loss[row]]]}, [L + 4]);
    const traj = $("trajectory");
    const last = traj.data.length - 1;
    const trajAt = Plotly.update(traj, {x: [r.guess.map(() => r.t[row])], y: [r.guess.map((g) => g[row])]},
                                 {shapes: events(r)}, [last]);
    const pathAt = Plotly.restyle("path", {x: [[r.px[row]]], y: [[r.py[row]]]}, [4]);
    const contourAt = C && Plotly.restyle("contour", {x: [[placed(r).x[row]]], y: [[placed(r).y[row]]]}, [6]);
    return Promise.all([lossAt, trajAt, pathAt, contourAt]);
  }

  function select(k, keepRow) {
    const cellChanged = selected === null || runs[selected].cell !== runs[k].cell;
    selected = k;
    const r = runs[k];
    row = keepRow ? Math.min(row, r.t.length - 1) : 0;
    if (cellChanged) showCell(r.cell);
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
    const trajectory = trajectoryData(k), path = pathData(k), contour = C && contourData(k);
    return Promise.all([
      Plotly.restyle("loss", t, [L, L + 1, L + 2, L + 3, L + 4, L + 5]),
      Plotly.react("trajectory", trajectory.data, trajectory.layout, CONFIG),
      Plotly.react("path", path.data, path.layout, CONFIG),
      contour && contour.under, contour && Plotly.react("contour", contour.data, contour.layout, CONFIG),
      compareRing(k, cellChanged),
    ]);
  }

  function showCell(c) {
    // the cell's words: its game and theory's note; the lr slider over its lrs
    if ($("cell")) $("cell").value = c;
    $("game-sentence").textContent = cells[c].game;
    $("note").textContent = cells[c].note || "";
    $("note").hidden = !cells[c].note;
    $("lr").max = lrs[c].length - 1;
  }

  function pick(c, lr) {
    const of = games.get(`${c} ${lr}`);
    const game = $("game") ? +$("game").value : 0;
    return of.has(game) ? of.get(game) : of.values().next().value;
  }

  function selectLr(index) {
    const c = runs[selected].cell;
    return select(pick(c, lrs[c][Math.max(0, Math.min(index, lrs[c].length - 1))]));
  }

  function selectCell(c) {
    // the lr nearest the selected run's (on a log scale), in the other cell
    const lr = runs[selected].lr;
    const near = lrs[c].reduce((a, b) => (Math.abs(Math.log(b / lr)) < Math.abs(Math.log(a / lr)) ? b : a));
    return select(pick(c, near));
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

  // --- the summary table: sortable, filtered by cell, a click selects the run -------------------------
  function summaryRow(k) {
    const r = runs[k];
    const status = `<td style="color:${D.colors[r.status]};font-weight:600">${escape(r.status)}</td>`;
    const cell = cells.length > 1 ? `<td style="color:${cells[r.cell].color}">${escape(cells[r.cell].label)}</td>` : "";
    const game = D.games > 1 ? `<td>${r.game}</td>` : "";
    return `<tr data-k="${k}" class="${k === selected ? "chosen" : ""}"><td>${r.run}</td><td>${escape(r.row[0])}</td>` +
      cell + game + status + r.row.slice(1).map((c) => `<td>${escape(c)}</td>`).join("") + "</tr>";
  }

  function summary() {
    const body = $("summary").querySelector("tbody");
    const order = runs.map((_, k) => k);
    let key = null, ascending = true;
    function fill() {
      const only = $("summary-cell") ? +$("summary-cell").value - 1 : -1; // -1: every cell
      body.innerHTML = order.filter((k) => only < 0 || runs[k].cell === only).map(summaryRow).join("");
    }
    if ($("summary-cell")) $("summary-cell").addEventListener("input", fill);
    const sorters = {run: (r) => r.run, lr: (r) => r.lr, cell: (r) => r.cell, game: (r) => r.game,
                     status: (r) => r.status, attempts: (r) => r.keys[0], "final loss": (r) => r.keys[1],
                     theory: (r) => r.row[3]};
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
  const floorShapes = F.compare.layout.shapes || [];
  $("lr").addEventListener("input", (e) => selectLr(+e.target.value));
  if ($("cell")) $("cell").addEventListener("input", (e) => selectCell(+e.target.value));
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
  window.guessgame = {data: D, select, selectLr, selectCell, selected: () => selected, row: () => row,
                      drawn: () => pending || drawnMarks,
                      ready: select(first >= 0 ? first : 0)};
})();
