/* The explorer's page (tinygrad_edu/viz/explorer.py).
 *
 * Python lays the graph out and puts everything into the JSON of #tg-data:
 *   layouts[view][state] = {svg, nodes}   view: "forward" or "backward"; state: "" (every box
 *                                         closed) or the id of the one open box; nodes maps a
 *                                         node's name in the SVG (its <title>) to an item id
 *   items[id]                             T<i> a tensor, F<k> a primitive op, B<l>_<c> a box
 *   steps[i]                              the backward pass in the engine's order (viz.explain)
 * This script only switches between those pictures, shows what a node holds, highlights one
 * rule at a time and finds nodes by name.  It fetches nothing.
 */
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("tg-data").textContent);
  const $ = (id) => document.getElementById(id);
  const XLINK = "http://www.w3.org/1999/xlink";
  const ui = { view: Object.keys(data.layouts)[0], open: "", step: -1, pinned: null };

  // ------------------------------------------------------------ small helpers --
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const c of children) node.append(c);
    return node;
  }
  function nodeFor(id) {
    return id ? $("graph").querySelector(`g.tg-node[data-key="${id}"]`) : null;
  }
  function nameOf(id) { return data.items[id] ? data.items[id].name : id; }

  // ------------------------------------------------------------- the picture --
  function show() {
    const pic = data.layouts[ui.view][ui.open];
    const graph = $("graph");
    graph.innerHTML = pic.svg;
    for (const a of graph.querySelectorAll("a")) {      // no browser tooltips over the panel
      a.removeAttributeNS(XLINK, "title");
      a.removeAttribute("title");
    }
    let count = 0;
    for (const g of graph.querySelectorAll("g.node")) {
      const title = g.querySelector(":scope > title");
      const id = title ? pic.nodes[title.textContent] : undefined;
      if (title) title.remove();
      if (!id) continue;                                // the legend
      count += 1;
      g.dataset.key = id;
      g.classList.add("tg-node", "tg-" + data.items[id].kind);
      g.addEventListener("mouseenter", () => { if (!ui.pinned) info(id); });
      g.addEventListener("click", (event) => { event.stopPropagation(); clicked(id); });
    }
    for (const t of graph.querySelectorAll("title")) t.remove();
    if (ui.open) {
      for (const c of graph.querySelectorAll("g.cluster")) {
        c.classList.add("tg-open");
        c.addEventListener("click", closeBox);
      }
    }
    $("node-count").textContent = count + " nodes";
    $("node-count").dataset.count = String(count);
    $("close-box").hidden = !ui.open;
    $("close-box").textContent = ui.open ? "close " + nameOf(ui.open) : "";
    for (const b of $("views").children) b.classList.toggle("on", b.dataset.view === ui.view);
    highlight();
  }

  function clicked(id) {
    const item = data.items[id];
    if (item.kind === "box" && data.layouts[ui.view][id]) {
      ui.open = id;
      ui.pinned = null;
      show();
      info(id);
      return;
    }
    ui.pinned = ui.pinned === id ? null : id;
    for (const g of $("graph").querySelectorAll(".tg-pinned")) g.classList.remove("tg-pinned");
    if (ui.pinned) nodeFor(id).classList.add("tg-pinned");
    info(id);
  }

  function closeBox() {
    ui.open = "";
    show();
  }

  // ------------------------------------------------------ what a node holds --
  function histogram(hist) {
    const NS = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(NS, "svg");
    const most = Math.max(1, ...hist.counts);
    svg.setAttribute("width", "240");
    svg.setAttribute("height", "48");
    svg.setAttribute("class", "hist");
    hist.counts.forEach((n, i) => {
      const r = document.createElementNS(NS, "rect");
      const h = 44 * n / most;
      r.setAttribute("x", String(i * 20 + 1));
      r.setAttribute("y", String(46 - h));
      r.setAttribute("width", "18");
      r.setAttribute("height", String(h));
      r.append(document.createElementNS(NS, "title"));
      r.firstChild.textContent = n + " entries";
      svg.append(r);
    });
    return svg;
  }

  function numbers(desc) {
    if (desc.values !== undefined) return el("pre", { class: "values" }, desc.values);
    const s = desc.stats;
    if (s.true !== undefined) return el("p", {}, `${s.true} of ${desc.size} true`);
    const list = el("dl", { class: "stats" });
    for (const k of ["min", "mean", "max", "std", "norm", "zeros"]) {
      list.append(el("dt", {}, k), el("dd", {}, String(s[k])));
    }
    return el("div", {}, list, histogram(desc.hist),
              el("p", { class: "hint" }, `histogram of the ${desc.size} entries, ` +
                 `${desc.hist.lo} to ${desc.hist.hi}`));
  }

  function tensorInfo(t) {
    const facts = el("dl", {},
      el("dt", {}, "shape"), el("dd", {}, "(" + t.shape.join(", ") + (t.shape.length === 1 ? ",)" : ")")),
      el("dt", {}, "dtype"), el("dd", {}, t.dtype),
      el("dt", {}, "made by"), el("dd", {}, t.made_by ? opLine(t.made_by) : "nothing: a leaf"));
    const parts = [el("h2", {}, t.name), el("div", { class: "kind" }, t.role), facts];
    if (t.made_by) parts.push(el("p", { class: "rule" }, data.items[t.made_by].rule));
    parts.push(el("h3", {}, "value"), numbers(t.value), el("h3", {}, "gradient"));
    parts.push(t.grad ? el("div", { class: "grad" }, numbers(t.grad))
                      : el("p", { class: "hint" }, t.requires_grad ? "none reaches it"
                                                                   : "none: it needs no gradient"));
    return parts;
  }

  function opLine(id) {
    const op = data.items[id];
    return op.name + (op.step ? ` (backward step ${op.step} of ${data.steps.length})` : "");
  }

  function opInfo(op) {
    const step = op.step ? el("button", { class: "goto" }, `show backward step ${op.step}`) : "";
    if (step) step.addEventListener("click", () => setStep(op.step - 1));
    return [el("h2", {}, op.name), el("div", { class: "kind" }, "primitive op"),
            el("p", { class: "rule" }, op.rule),
            el("dl", {}, el("dt", {}, "inputs"), el("dd", {}, op.inputs.map(nameOf).join(", ")),
               el("dt", {}, "output"), el("dd", {}, nameOf(op.output)),
               el("dt", {}, "scope"), el("dd", {}, op.scope || "-")), step];
  }

  function boxInfo(box, id) {
    const open = data.layouts[ui.view][id] !== undefined && ui.open !== id;
    return [el("h2", {}, box.name), el("div", { class: "kind" }, box.composite ? "derived op" : "layer"),
            el("p", {}, box.parts),
            el("p", { class: "hint" }, `${box.members.length} primitive ops` +
               (open ? ": click to open it" : ""))];
  }

  function info(id) {
    const item = data.items[id];
    const panel = $("info");
    panel.replaceChildren(...(item.kind === "tensor" ? tensorInfo(item)
                            : item.kind === "op" ? opInfo(item) : boxInfo(item, id)));
    panel.dataset.key = id;
  }

  // ------------------------------------------------- the backward pass, step by step --
  function setStep(i) {
    ui.step = Math.max(-1, Math.min(data.steps.length - 1, i));
    highlight();
  }

  function highlight() {
    const graph = $("graph");
    for (const cls of ["tg-current", "tg-input", "tg-output"]) {
      for (const g of graph.querySelectorAll("." + cls)) g.classList.remove(cls);
    }
    const stepper = $("stepper");
    if (ui.step < 0) {
      $("step-text").textContent = data.header + "\n\nPress next \u25B6 (or the right arrow) " +
        "to walk the backward pass one rule at a time.";
      $("step-count").textContent = data.steps.length ? `${data.steps.length} rules` : "";
      delete stepper.dataset.fn;
      return;
    }
    const s = data.steps[ui.step];
    let target = nodeFor(s.fn);
    const box = data.items[s.fn].box;
    if (!target && box && $("auto-open").checked && data.layouts[ui.view][box] && ui.open !== box) {
      ui.open = box;
      show();                                           // show() highlights again, box open
      return;
    }
    target = target || nodeFor(box);
    if (target) {
      target.classList.add("tg-current");
      target.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
    for (const f of s.flows) { const g = nodeFor(f.input_id); if (g) g.classList.add("tg-input"); }
    const out = nodeFor(s.output_id);
    if (out) out.classList.add("tg-output");
    $("step-text").textContent = s.text;
    $("step-count").textContent = `step ${s.index} of ${data.steps.length}`;
    stepper.dataset.fn = s.fn;
    stepper.dataset.step = String(s.index);
  }

  // ------------------------------------------------------------ find by name --
  function hostBox(id) {
    const item = data.items[id];
    if (item.kind === "tensor") return item.made_by ? data.items[item.made_by].box : null;
    return item.kind === "op" ? item.box : null;
  }

  function find() {
    const query = $("search").value.trim().toLowerCase();
    for (const g of $("graph").querySelectorAll(".tg-match")) g.classList.remove("tg-match");
    if (!query) { $("found").textContent = ""; return; }
    const hit = (id) => nameOf(id).toLowerCase().includes(query) ||
                        (data.items[id].parts || "").toLowerCase().includes(query);
    let matches = [...$("graph").querySelectorAll("g.tg-node")].filter((g) => hit(g.dataset.key));
    if (!matches.length) {
      const hidden = Object.keys(data.items).find((id) => hit(id) && hostBox(id) &&
                                                  data.layouts[ui.view][hostBox(id)]);
      if (hidden && ui.open !== hostBox(hidden)) {
        ui.open = hostBox(hidden);
        show();
        matches = [...$("graph").querySelectorAll("g.tg-node")].filter((g) => hit(g.dataset.key));
      }
    }
    for (const g of matches) g.classList.add("tg-match");
    $("found").textContent = matches.length ? `${matches.length} found` : "not found";
    if (matches.length) {
      matches[0].scrollIntoView({ block: "center", inline: "center" });
      info(matches[0].dataset.key);
    }
  }

  // ------------------------------------------------------------------ wiring --
  $("title").textContent = data.title;
  for (const view of Object.keys(data.layouts)) {
    const b = el("button", { "data-view": view }, view);
    b.addEventListener("click", () => { ui.view = view; show(); });
    $("views").append(b);
  }
  $("first").addEventListener("click", () => setStep(-1));
  $("prev").addEventListener("click", () => setStep(ui.step - 1));
  $("next").addEventListener("click", () => setStep(ui.step + 1));
  $("last").addEventListener("click", () => setStep(data.steps.length - 1));
  for (const id of ["first", "prev", "next", "last"]) $(id).disabled = !data.steps.length;
  $("close-box").addEventListener("click", closeBox);
  $("search").addEventListener("input", find);
  $("fit").addEventListener("change", () => $("graph").classList.toggle("fit", $("fit").checked));
  $("graph").classList.toggle("fit", $("fit").checked);
  document.addEventListener("keydown", (event) => {
    if (event.target === $("search")) return;
    if (event.key === "ArrowRight") setStep(ui.step + 1);
    if (event.key === "ArrowLeft") setStep(ui.step - 1);
  });
  show();
}());
