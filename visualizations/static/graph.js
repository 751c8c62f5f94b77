/* qikg graph view: controls, search, filters, highlight and the details panel over vis-network.
 *
 * All data comes from the JSON block #qikg-data and is only ever put into the page with textContent or as
 * attribute values we build ourselves; nothing from the data is parsed as HTML. Positions come from the server,
 * physics is off, so the first drawing is the final layout.
 */
(function () {
  "use strict";

  const DATA = JSON.parse(document.getElementById("qikg-data").textContent);
  const INFO = DATA.info;
  const KIND_STYLE = Object.fromEntries(DATA.kinds.map((k) => [k.kind, k]));
  const KIND_ORDER = Object.fromEntries(DATA.kinds.map((k, i) => [k.kind, i]));
  const DIM_NODE = { background: "#eef0f3", border: "#dde1e6" };
  const DIM_FONT = "#c4cad3";
  const DIM_EDGE = "#eef0f3";
  const REF_LIMIT = 12;
  const NET = DATA.network || { measures: {}, bridges: [], colors: [], noCommunity: "#c3c8cf" };
  const LARGEST_LABELLED = 12;   // the biggest nodes get labels readable in the first picture
  const LABEL_PX = 14;           // on-screen font size those labels get at least
  const $ = (id) => document.getElementById(id);

  const state = {
    mode: null, network: null, nodes: null, edges: null, adjacency: new Map(),
    originalNodes: new Map(), originalEdges: new Map(),
    hiddenKinds: new Set(), theme: "", question: "", selected: null, focused: null, highlighted: false,
    sizeBy: "connections", colourBy: "kind", colourTouched: false, showIsolated: false, isolated: new Set(),
    focusSet: null, focusRoot: null, focusSteps: 0,
  };

  /* ---------- small DOM helpers (text only) ---------- */
  function element(tag, options, children) {
    const node = document.createElement(tag);
    const opts = options || {};
    if (opts.text !== undefined) node.textContent = String(opts.text);
    if (opts.className) node.className = opts.className;
    if (opts.attrs) for (const [name, value] of Object.entries(opts.attrs)) node.setAttribute(name, String(value));
    if (opts.on) for (const [type, handler] of Object.entries(opts.on)) node.addEventListener(type, handler);
    for (const child of children || []) node.appendChild(child);
    return node;
  }

  const SVG_NS = "http://www.w3.org/2000/svg";
  function polygon(points) { return points.map((p) => p.join(",")).join(" "); }
  function shapeIcon(shape, color, size) {
    const s = size || 16, c = s / 2, r = s / 2 - 1;
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("width", s); svg.setAttribute("height", s); svg.setAttribute("viewBox", `0 0 ${s} ${s}`);
    svg.setAttribute("aria-hidden", "true");
    let shapeNode;
    if (shape === "dot") {
      shapeNode = document.createElementNS(SVG_NS, "circle");
      shapeNode.setAttribute("cx", c); shapeNode.setAttribute("cy", c); shapeNode.setAttribute("r", r * 0.8);
    } else if (shape === "square") {
      shapeNode = document.createElementNS(SVG_NS, "rect");
      shapeNode.setAttribute("x", 2); shapeNode.setAttribute("y", 2);
      shapeNode.setAttribute("width", s - 4); shapeNode.setAttribute("height", s - 4);
    } else {
      shapeNode = document.createElementNS(SVG_NS, "polygon");
      let pts;
      if (shape === "hexagon") {
        pts = [...Array(6).keys()].map((i) => [c + r * Math.cos(Math.PI / 3 * i), c + r * Math.sin(Math.PI / 3 * i)]);
      } else if (shape === "star") {
        pts = [...Array(10).keys()].map((i) => {
          const rad = i % 2 ? r * 0.45 : r, a = -Math.PI / 2 + Math.PI / 5 * i;
          return [c + rad * Math.cos(a), c + rad * Math.sin(a)];
        });
      } else if (shape === "diamond") {
        pts = [[c, 1], [s - 1, c], [c, s - 1], [1, c]];
      } else {
        pts = [[c, 1.5], [s - 1.5, s - 2.5], [1.5, s - 2.5]];
      }
      shapeNode.setAttribute("points", polygon(pts));
    }
    shapeNode.setAttribute("fill", color);
    svg.appendChild(shapeNode);
    return svg;
  }

  /* ---------- links: server-relative when served, the IRI when opened from disk ---------- */
  function serverHref(path) {
    if (!path) return null;
    if (DATA.baseUrl) return DATA.baseUrl + path;
    if (location.protocol === "http:" || location.protocol === "https:") return path;
    return null;
  }
  function isWebUrl(text) { return /^https?:\/\/[^\s]+$/i.test(text || ""); }

  /* ---------- graph structure of the current view ---------- */
  function buildAdjacency(edges) {
    const adjacency = new Map();
    const add = (a, entry) => { if (!adjacency.has(a)) adjacency.set(a, []); adjacency.get(a).push(entry); };
    for (const e of edges) {
      add(e.from, { other: e.to, relation: e.relation, out: true });
      add(e.to, { other: e.from, relation: e.relation, out: false });
    }
    return adjacency;
  }
  function neighbours(id) { return state.adjacency.get(id) || []; }

  /** The theme and every theme below it in the current view (edges `narrower --broader--> theme`). */
  function narrowerClosure(theme) {
    const seen = new Set([theme]), todo = [theme];
    while (todo.length) {
      const current = todo.pop();
      for (const a of neighbours(current)) {
        if (a.relation === "broader" && !a.out && !seen.has(a.other)) { seen.add(a.other); todo.push(a.other); }
      }
    }
    return seen;
  }

  /** Seeds, their direct neighbours, and who said or shared the quotes and resources among those. */
  function neighbourhood(seeds) {
    const shown = new Set(seeds);
    for (const s of seeds) for (const a of neighbours(s)) shown.add(a.other);
    for (const id of Array.from(shown)) {
      if (seeds.has(id)) continue;
      const kind = INFO[id] && INFO[id].kind;
      if (kind !== "quote" && kind !== "resource") continue;
      for (const a of neighbours(id)) if (a.out && (a.relation === "saidBy" || a.relation === "sharedBy")) shown.add(a.other);
    }
    return shown;
  }

  /* ---------- view ---------- */
  function setMode(mode) {
    if (!DATA.views[mode]) return;
    if (state.network) { state.network.destroy(); state.network = null; }
    const view = DATA.views[mode];
    state.mode = mode;
    state.selected = null; state.focused = null; state.highlighted = false;
    state.originalNodes = new Map(view.nodes.map((n) => [n.id, { color: n.color, font: n.font, size: n.size }]));
    state.focusSet = null; state.focusRoot = null; state.focusSteps = 0; state.labelled = null;
    state.originalEdges = new Map(view.edges.map((e) => [e.id, { color: e.color }]));
    state.nodes = new vis.DataSet(view.nodes.map((n) => Object.assign({}, n)));
    state.edges = new vis.DataSet(view.edges.map((e) => Object.assign({}, e)));
    state.adjacency = buildAdjacency(view.edges);
    state.isolated = new Set(view.nodes.filter((n) => !state.adjacency.has(n.id)).map((n) => n.id));
    if (!state.colourTouched) {
      state.colourBy = mode === "people" ? "community" : "kind";
      $("colour-by").value = state.colourBy;
    }
    applyStyle();
    const started = performance.now();
    state.network = new vis.Network($("network"), { nodes: state.nodes, edges: state.edges }, view.options);
    state.network.once("afterDrawing", () => {
      labelLargest();
      window.qikg.readyAt = performance.now();
      window.qikg.drawMs = window.qikg.readyAt - started;
      window.qikgReady = true;
      document.body.setAttribute("data-ready", mode);
    });
    state.network.on("click", onClick);
    state.network.on("hoverNode", onHover);
    state.network.on("blurNode", () => { $("tooltip").hidden = true; });
    state.network.on("dragStart", () => { $("tooltip").hidden = true; });
    for (const button of document.querySelectorAll(".view-toggle button")) {
      button.setAttribute("aria-pressed", String(button.dataset.mode === mode));
    }
    hidePanel();
    renderKinds();
    applyFilters(false);
    state.network.fit({ nodes: visibleNodeIds(), animation: false });
  }

  /* ---------- who connects whom: sizes, colours, the largest nodes' labels ---------- */
  function measureOf(id, name) {
    const m = NET.measures[id];
    return m ? m[name] : null;
  }

  const TOPS = {};
  /** The largest value of a measure among people (worked out once per measure). */
  function topOf(name) {
    if (!(name in TOPS)) {
      TOPS[name] = 0;
      for (const m of Object.values(NET.measures)) if ((m[name] || 0) > TOPS[name]) TOPS[name] = m[name] || 0;
    }
    return TOPS[name];
  }

  function communityColour(id) {
    const c = measureOf(id, "community");
    if (c === null || c === undefined) return NET.noCommunity;
    return NET.colors[c % NET.colors.length];
  }

  /** The style a node has when nothing is highlighted: size by the chosen measure, colour by kind or community. */
  function baseStyle(id) {
    const original = state.originalNodes.get(id);
    const style = { color: original.color, font: original.font, size: original.size };
    const kind = INFO[id].kind;
    if (kind === "participant" && state.colourBy === "community") {
      const colour = communityColour(id);
      style.color = { background: colour, border: colour, highlight: { background: colour, border: "#111827" },
                      hover: { background: colour, border: "#111827" } };
    }
    if (kind === "participant" && state.sizeBy !== "connections") {
      const top = topOf(state.sizeBy);
      const value = measureOf(id, state.sizeBy) || 0;
      style.size = Math.round((8 + 40 * Math.sqrt(top > 0 ? value / top : 0)) * 10) / 10;
    }
    if (state.labelled && state.labelled.has(id)) style.font = Object.assign({}, style.font, { size: state.labelled.get(id) });
    return style;
  }

  function applyStyle() {
    const updates = [];
    state.nodes.forEach((n) => {
      const style = baseStyle(n.id);
      updates.push({ id: n.id, color: style.color, size: style.size, font: style.font });
    });
    state.nodes.update(updates);
    state.highlighted = false;
    if (state.selected) highlight(state.selected);
  }

  /** Labels of the biggest visible nodes are made large enough to read at the current zoom. */
  function labelLargest() {
    if (!state.network) return;
    const scale = state.network.getScale() || 1;
    const visible = state.nodes.get({ filter: (n) => !n.hidden && INFO[n.id].kind !== "quote" });
    visible.sort((a, b) => (b.size || 0) - (a.size || 0) || (a.id < b.id ? -1 : 1));
    state.labelled = new Map();
    for (const n of visible.slice(0, LARGEST_LABELLED)) {
      const current = (state.originalNodes.get(n.id).font || {}).size || 14;
      state.labelled.set(n.id, Math.min(Math.max(current, LABEL_PX / scale), 90));
    }
    applyStyle();
  }

  function visibleNodeIds() {
    return state.nodes.get({ filter: (n) => !n.hidden, fields: ["id"] }).map((n) => n.id);
  }

  function applyFilters(refit) {
    let allowed = null;
    if (state.theme && INFO[state.theme]) {
      allowed = neighbourhood(narrowerClosure(state.theme));
    }
    if (state.question) {
      const q = neighbourhood(new Set([state.question]));
      allowed = allowed ? new Set(Array.from(allowed).filter((id) => q.has(id))) : q;
    }
    if (state.focusSet) allowed = allowed ? new Set(Array.from(allowed).filter((id) => state.focusSet.has(id))) : state.focusSet;
    const updates = [];
    state.nodes.forEach((n) => {
      const hidden = Boolean((allowed && !allowed.has(n.id)) || state.hiddenKinds.has(INFO[n.id].kind)
        || (!state.showIsolated && state.isolated.has(n.id) && !(state.focusSet && state.focusSet.has(n.id))));
      if (Boolean(n.hidden) !== hidden) updates.push({ id: n.id, hidden });
    });
    if (updates.length) state.nodes.update(updates);
    const shown = visibleNodeIds();
    const total = state.nodes.length;
    const lonely = state.isolated.size;
    let status = shown.length === total
      ? `${total} nodes, ${state.edges.length} connections.`
      : `Showing ${shown.length} of ${total} nodes.`;
    if (state.focusSet) status += ` Neighbourhood of ${INFO[state.focusRoot].label}, ${state.focusSteps} step${state.focusSteps > 1 ? "s" : ""}.`;
    $("status").textContent = status;
    $("isolated-label").textContent = `Show the ${lonely} node${lonely === 1 ? "" : "s"} with no connection in this view`;
    $("isolated-row").hidden = lonely === 0;
    if (state.selected && !shown.includes(state.selected)) clearSelection();
    if (refit && shown.length) state.network.fit({ nodes: shown, animation: false });
  }

  function renderKinds() {
    const list = $("kind-list");
    list.replaceChildren();
    const counts = {};
    state.nodes.forEach((n) => { const k = INFO[n.id].kind; counts[k] = (counts[k] || 0) + 1; });
    for (const k of DATA.kinds) {
      if (!counts[k.kind]) continue;
      const box = element("input", { attrs: { type: "checkbox", "data-kind": k.kind } });
      box.checked = !state.hiddenKinds.has(k.kind);
      box.addEventListener("change", () => {
        if (box.checked) state.hiddenKinds.delete(k.kind); else state.hiddenKinds.add(k.kind);
        applyFilters(false);
      });
      list.appendChild(element("label", { className: "kind-item" }, [
        box, shapeIcon(k.shape, k.color), element("span", { text: k.label }),
        element("span", { className: "n", text: counts[k.kind] }),
      ]));
    }
  }

  /* ---------- selection, highlight, panel ---------- */
  function highlight(id) {
    const keep = new Set([id]);
    for (const a of neighbours(id)) keep.add(a.other);
    const nodeUpdates = [];
    state.nodes.forEach((n) => {
      const base = baseStyle(n.id);
      nodeUpdates.push(keep.has(n.id)
        ? { id: n.id, color: base.color, font: base.font }
        : { id: n.id, color: DIM_NODE, font: Object.assign({}, base.font, { color: DIM_FONT }) });
    });
    state.nodes.update(nodeUpdates);
    const edgeUpdates = [];
    state.edges.forEach((e) => {
      const touching = e.from === id || e.to === id;
      edgeUpdates.push({ id: e.id, color: touching ? state.originalEdges.get(e.id).color : { color: DIM_EDGE } });
    });
    state.edges.update(edgeUpdates);
    state.highlighted = true;
  }

  function clearHighlight() {
    if (!state.highlighted) return;
    const nodeUpdates = [];
    state.originalNodes.forEach((_, id) => { const base = baseStyle(id); nodeUpdates.push({ id, color: base.color, font: base.font }); });
    state.nodes.update(nodeUpdates);
    const edgeUpdates = [];
    state.originalEdges.forEach((o, id) => edgeUpdates.push({ id, color: o.color }));
    state.edges.update(edgeUpdates);
    state.highlighted = false;
  }

  /* Keyboard: opening a node moves the focus to the panel's title, so its facts and links are the next Tab stops;
     closing it (Escape anywhere, or ×) gives the focus back to where it was before, if it was in the panel. */
  let opener = null;

  function clearSelection() {
    const inPanel = $("panel").contains(document.activeElement);
    state.selected = null;
    state.network.unselectAll();
    clearHighlight();
    hidePanel();
    if (inPanel && opener && opener.isConnected && !$("panel").contains(opener)) opener.focus();
    else if (inPanel) document.activeElement.blur();  // opened by a click on the canvas: nothing to go back to
    opener = null;
  }

  /* `focus`: zoom to the node; `moveFocus`: the user opened it (search, a link in the panel, a bridge, a click), so
     the keyboard focus goes to the panel. A panel redrawn while the focus is in it keeps the focus in it. */
  function select(id, focus, moveFocus) {
    if (!INFO[id]) return false;
    const before = document.activeElement;
    const fromPanel = !$("panel").hidden && $("panel").contains(before);
    if (!state.nodes.get(id)) setMode("full");
    const node = state.nodes.get(id);
    if (!node) return false;
    if (node.hidden && state.isolated.has(id) && !state.showIsolated) setShowIsolated(true);
    if (state.nodes.get(id).hidden) resetFilters();
    state.selected = id;
    state.network.selectNodes([id]);
    highlight(id);
    showPanel(id);
    if (moveFocus || fromPanel) {
      if (!fromPanel) opener = before && before !== document.body ? before : null;
      $("panel-title").focus();
    }
    if (focus) state.focused = id;
    if (focus || underPanel(id)) {
      state.network.focus(id, {
        scale: focus ? Math.max(state.network.getScale(), 1.1) : state.network.getScale(),
        offset: { x: panelOffset(), y: 0 },
        animation: { duration: 300, easingFunction: "easeInOutQuad" },
      });
    }
    return true;
  }

  /* The panel lies over the canvas's right edge: a selected node goes to the middle of the part it leaves free. */
  function freeWidth() {
    const box = $("network").getBoundingClientRect();
    return $("panel").hidden ? box.width : Math.max($("panel").getBoundingClientRect().left - box.left, 0);
  }

  function panelOffset() {
    const width = $("network").getBoundingClientRect().width, free = freeWidth();
    return free < 160 ? 0 : free / 2 - width / 2; // a panel as wide as the screen: nothing to dodge
  }

  function underPanel(id) {
    const position = state.network.getPositions([id])[id];
    if (!position || freeWidth() < 160) return false;
    return state.network.canvasToDOM(position).x > freeWidth() - 24;
  }

  function onClick(params) {
    $("tooltip").hidden = true;
    if (params.nodes.length) select(params.nodes[0], false, true);
    else if (!params.edges.length) clearSelection();
  }

  function onHover(params) {
    const i = INFO[params.node];
    if (!i) return;
    const words = (i.facts.find((f) => f.name === "Words") || {}).text || "";
    const tip = $("tooltip");
    tip.textContent = words ? `${i.label}\n${words.length > 160 ? words.slice(0, 159) + "…" : words}` : i.label;
    tip.style.left = `${params.pointer.DOM.x + 14}px`;
    tip.style.top = `${params.pointer.DOM.y + 14}px`;
    tip.hidden = false;
  }

  function refButton(ref) {
    const present = Boolean(DATA.views.full.nodes.length && INFO[ref.id]);
    const button = element("button", {
      className: present ? "ref" : "ref absent", text: ref.label,
      attrs: { type: "button", title: `${KIND_STYLE[ref.kind] ? KIND_STYLE[ref.kind].label : ref.kind}: ${ref.label}` },
    });
    if (present) button.addEventListener("click", () => select(ref.id, true, true));
    return button;
  }

  function showPanel(id) {
    const i = INFO[id];
    const style = KIND_STYLE[i.kind];
    $("panel").hidden = false;
    const badge = $("panel-kind");
    badge.textContent = i.lesson ? "Lesson" : style.label;
    badge.style.background = i.lesson ? DATA.lessonColor : style.color;
    $("panel-title").textContent = i.label;
    const facts = $("panel-facts");
    facts.replaceChildren();
    for (const fact of i.facts) {
      facts.appendChild(element("dt", { text: fact.name }));
      if (fact.text !== undefined) {
        const dd = element("dd", { className: fact.name === "Words" ? "words" : "" });
        if (fact.name === "URL" && isWebUrl(fact.text)) {
          dd.appendChild(element("a", { text: fact.text, attrs: { href: fact.text, rel: "noopener noreferrer" } }));
        } else {
          dd.textContent = fact.text;
        }
        facts.appendChild(dd);
      }
      if (fact.refs) {
        const dd = element("dd");
        fact.refs.slice(0, REF_LIMIT).forEach((r) => dd.appendChild(refButton(r)));
        if (fact.refs.length > REF_LIMIT) {
          const more = element("button", {
            className: "ref", text: `+ ${fact.refs.length - REF_LIMIT} more`, attrs: { type: "button" },
          });
          more.addEventListener("click", () => {
            more.remove();
            fact.refs.slice(REF_LIMIT).forEach((r) => dd.appendChild(refButton(r)));
          });
          dd.appendChild(more);
        }
        facts.appendChild(dd);
      }
    }
    const m = NET.measures[id];
    if (m) {
      const ranked = Object.entries(NET.measures).sort((a, b) => b[1].betweenness - a[1].betweenness || (a[0] < b[0] ? -1 : 1));
      const place = ranked.findIndex(([other]) => other === id) + 1;
      facts.appendChild(element("dt", { text: "Who connects whom" }));
      facts.appendChild(element("dd", { attrs: { id: "panel-network" }, text:
        `Betweenness ${m.betweenness.toFixed(3)} (${place} of ${ranked.length} people) · brokerage ` +
        `${m.brokerage === null ? "–" : m.brokerage.toFixed(1)} · ${m.degree} people through ${m.ties} replies and mentions` +
        (m.community === null ? " · no tie to anyone" : ` · community ${m.community + 1}`) }));
    }
    const steps = element("dd", { className: "steps" });
    for (const k of [1, 2]) {
      steps.appendChild(element("button", { className: "ref", text: `${k} step${k > 1 ? "s" : ""}`,
        attrs: { type: "button", "data-steps": k, "aria-pressed": String(state.focusRoot === id && state.focusSteps === k) },
        on: { click: () => focusOn(id, k) } }));
    }
    if (state.focusSet) steps.appendChild(element("button", { className: "ref", text: "Show all", attrs: { type: "button", id: "focus-off" }, on: { click: focusOff } }));
    facts.appendChild(element("dt", { text: "Neighbourhood" }));
    facts.appendChild(steps);
    const links = $("panel-links");
    links.replaceChildren();
    const page = serverHref(i.links.page) || (isWebUrl(i.links.iri) ? i.links.iri : null);
    if (page) links.appendChild(element("a", { text: "Entity page", attrs: { href: page, id: "link-page" } }));
    const api = serverHref(i.links.api);
    if (api) {
      links.appendChild(element("a", { className: "secondary", text: "API record (JSON)", attrs: { href: api, id: "link-api" } }));
    } else if (i.links.api) {
      links.appendChild(element("span", { className: "hint", text: `API record: ${i.links.api} on the running server (qikg serve).` }));
    }
  }

  function hidePanel() { $("panel").hidden = true; }

  /* ---------- a node's neighbourhood as the whole view ---------- */
  function within(id, steps) {
    const seen = new Set([id]);
    let frontier = [id];
    for (let k = 0; k < steps; k++) {
      const next = [];
      for (const node of frontier) for (const a of neighbours(node)) if (!seen.has(a.other)) { seen.add(a.other); next.push(a.other); }
      frontier = next;
    }
    return seen;
  }

  function focusOn(id, steps) {
    state.focusRoot = id; state.focusSteps = steps; state.focusSet = within(id, steps);
    applyFilters(true);
    select(id, false);
  }

  function focusOff() {
    const id = state.focusRoot;
    state.focusSet = null; state.focusRoot = null; state.focusSteps = 0;
    applyFilters(true);
    if (id) select(id, false);
  }

  function setShowIsolated(show) {
    state.showIsolated = show;
    $("show-isolated").checked = show;
    applyFilters(false);
  }

  function renderBridges() {
    const list = $("bridges");
    list.replaceChildren();
    for (const b of NET.bridges) {
      if (!INFO[b.id]) continue;
      const button = element("button", { className: "bridge", attrs: { type: "button", "data-id": b.id } }, [
        element("span", { className: "text", text: INFO[b.id].label }),
        element("span", { className: "n", text: `joins ${b.reaches + 1} communities` }),
      ]);
      button.addEventListener("click", () => {
        if (!DATA.views[state.mode].nodes.some((n) => n.id === b.id)) setMode("people");
        select(b.id, true, true);
      });
      list.appendChild(element("li", {}, [button]));
    }
    $("bridges-block").hidden = !list.childElementCount;
  }

  /* ---------- search ---------- */
  const INDEX = Object.entries(INFO).map(([id, i]) => ({
    id, kind: i.kind, label: i.label,
    terms: i.terms.map((t) => t.toLowerCase()),
    words: ((i.facts.find((f) => f.name === "Words") || {}).text || "").toLowerCase(),
  }));

  function matches(query, limit) {
    const q = query.trim().toLowerCase();
    if (!q) return [];
    const found = [];
    for (const entry of INDEX) {
      let score = Infinity;
      for (const t of entry.terms) {
        const s = t === q ? 0 : t.startsWith(q) ? 1 : (t.includes(" " + q) || t.includes("_" + q)) ? 2 : t.includes(q) ? 3 : Infinity;
        if (s < score) score = s;
      }
      if (score === Infinity && entry.words.includes(q)) score = 5;
      if (score === Infinity) continue;
      if (!state.nodes.get(entry.id)) score += 0.5;
      found.push({ entry, score });
    }
    found.sort((a, b) => a.score - b.score || KIND_ORDER[a.entry.kind] - KIND_ORDER[b.entry.kind]
      || a.entry.label.localeCompare(b.entry.label));
    return found.slice(0, limit || 10).map((f) => f.entry);
  }

  let active = -1;
  function showSuggestions() {
    const list = $("suggestions");
    const results = matches($("search").value, 10);
    list.replaceChildren();
    active = results.length ? 0 : -1;
    results.forEach((r, index) => {
      const item = element("li", { attrs: { role: "option", "data-id": r.id, "aria-selected": String(index === 0) } }, [
        shapeIcon(KIND_STYLE[r.kind].shape, KIND_STYLE[r.kind].color, 12),
        element("span", { className: "text", text: r.label }),
        element("span", { className: "kind", text: KIND_STYLE[r.kind].label }),
      ]);
      item.addEventListener("mousedown", (event) => { event.preventDefault(); pick(r.id); });
      list.appendChild(item);
    });
    if (!results.length && $("search").value.trim()) list.appendChild(element("li", { className: "hint", text: "No match" }));
    list.hidden = !list.childElementCount;
  }
  function moveActive(step) {
    const items = Array.from($("suggestions").querySelectorAll("li[data-id]"));
    if (!items.length) return;
    active = (active + step + items.length) % items.length;
    items.forEach((li, index) => li.setAttribute("aria-selected", String(index === active)));
  }
  function pick(id) {
    $("suggestions").hidden = true;
    $("search").value = INFO[id].label;
    select(id, true, true);
  }

  /* ---------- controls ---------- */
  function resetFilters() {
    state.theme = ""; state.question = ""; state.hiddenKinds.clear();
    $("theme-filter").value = ""; $("question-filter").value = "";
    renderKinds();
    applyFilters(false);
  }

  function setupControls() {
    const themeSelect = $("theme-filter");
    for (const t of DATA.themes) {
      themeSelect.appendChild(element("option", { text: "\u2003".repeat(t.depth) + t.label, attrs: { value: t.id } }));
    }
    const questionSelect = $("question-filter");
    for (const q of DATA.questions) {
      const words = q.text ? ` — ${q.text.length > 60 ? q.text.slice(0, 59) + "…" : q.text}` : "";
      questionSelect.appendChild(element("option", { text: q.label + words, attrs: { value: q.id } }));
    }
    themeSelect.addEventListener("change", () => { state.theme = themeSelect.value; clearSelection(); applyFilters(true); });
    questionSelect.addEventListener("change", () => { state.question = questionSelect.value; clearSelection(); applyFilters(true); });
    $("reset").addEventListener("click", () => {
      resetFilters(); clearSelection(); $("search").value = "";
      state.focusSet = null; state.focusRoot = null; state.focusSteps = 0; applyFilters(false);
      state.network.fit({ nodes: visibleNodeIds(), animation: false });
    });
    $("panel-close").addEventListener("click", clearSelection);
    $("size-by").addEventListener("change", () => {
      state.sizeBy = $("size-by").value;
      $("size-hint").textContent = state.sizeBy === "connections" ? "Size: number of connections."
        : `Size: people by ${$("size-by").selectedOptions[0].textContent}; the others by connections.`;
      labelLargest();
    });
    $("colour-by").addEventListener("change", () => {
      state.colourBy = $("colour-by").value; state.colourTouched = true; applyStyle();
    });
    $("show-isolated").addEventListener("change", () => setShowIsolated($("show-isolated").checked));
    document.addEventListener("keydown", (event) => {  // Escape from anywhere, the search box included
      if (event.key !== "Escape") return;
      if (!$("panel").hidden) { event.preventDefault(); clearSelection(); }  // the box keeps its words
      else if (state.focusSet) { event.preventDefault(); focusOff(); }
    });
    renderBridges();
    for (const button of document.querySelectorAll(".view-toggle button")) {
      button.addEventListener("click", () => { if (button.dataset.mode !== state.mode) setMode(button.dataset.mode); });
    }
    const search = $("search");
    search.addEventListener("input", showSuggestions);
    search.addEventListener("focus", showSuggestions);
    search.addEventListener("blur", () => { $("suggestions").hidden = true; });
    search.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown") { event.preventDefault(); moveActive(1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); moveActive(-1); }
      else if (event.key === "Escape") { $("suggestions").hidden = true; }
      else if (event.key === "Enter") {
        event.preventDefault();
        const items = Array.from($("suggestions").querySelectorAll("li[data-id]"));
        const chosen = items[Math.max(active, 0)];
        if (chosen) pick(chosen.getAttribute("data-id"));
        else { const first = matches(search.value, 1)[0]; if (first) pick(first.id); }
      }
    });
  }

  /* ---------- start ---------- */
  window.qikg = {
    get mode() { return state.mode; },
    get network() { return state.network; },
    get nodes() { return state.nodes; },
    get edges() { return state.edges; },
    get selected() { return state.selected; },
    get focused() { return state.focused; },
    visibleNodeIds, matches: (q, n) => matches(q, n).map((e) => e.id), select, setMode, pick, focusOn, focusOff,
    setShowIsolated, get isolated() { return Array.from(state.isolated); },
    get labelled() { return state.labelled ? Array.from(state.labelled.keys()) : []; },
    setTheme(id) { $("theme-filter").value = id; $("theme-filter").dispatchEvent(new Event("change")); },
    setQuestion(id) { $("question-filter").value = id; $("question-filter").dispatchEvent(new Event("change")); },
    readyAt: null, drawMs: null,
  };
  setupControls();
  const params = new URLSearchParams(location.search);
  const requested = params.get("mode");
  setMode(DATA.views[requested] ? requested : DATA.mode);
  const focus = params.get("focus");
  if (focus && INFO[focus]) select(focus, true);
})();
