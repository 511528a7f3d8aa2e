// The only script the page ever carries (live mode): it follows the server's event stream and morphs <main> in
// place with morphdom (bundled here, no request), so open <details>, focus, scroll and the Recent events filter
// survive updates. The server sends markup it rendered itself with every file-derived string escaped.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** morphdom's UMD build, wrapped so it defines a local `morphdom` and nothing global. */
function bundledMorphdom(): string {
  const path = createRequire(import.meta.url).resolve('morphdom/dist/morphdom-umd.min.js');
  const source = readFileSync(path, 'utf8');
  // The script is inlined in the page: a "</script" or "<!--" inside it would end or confuse the element.
  if (/<\/script|<!--/i.test(source)) throw new Error(`${path}: cannot be inlined in a <script> element`);
  return `var morphdom = (function () { var module = { exports: {} }; var exports = module.exports;\n${source}\nreturn module.exports; })();`;
}

/** The browser side of the live protocol (see live-server.ts and live-delta.ts). */
const CLIENT = `(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("loop-live-config").textContent);
  var main = document.getElementById("loop-main");
  var status = document.getElementById("loop-live-status");
  var updated = document.getElementById("loop-live-updated");
  var lines = null, lastId = null, source = null, connected = false, stale = false;
  var filter = { stage: "", outcome: "" }, stagesSeen = [], box = null, stageSelect = null, outcomeSelect = null, count = null;

  function showStatus() {
    var state = !connected ? "reconnecting" : stale ? "stale" : "connected";
    var text = state === "stale" ? "writer stale" : state;
    if (status.getAttribute("data-state") !== state) status.setAttribute("data-state", state);
    if (status.textContent !== text) status.textContent = text;
  }

  function element(tag, attrs, text) {
    var el = document.createElement(tag);
    for (var k in attrs) el.setAttribute(k, attrs[k]);
    if (text !== undefined) el.textContent = text;
    return el;
  }
  function labelled(text, select) {
    var label = element("label", {}, text + " ");
    label.appendChild(select);
    return label;
  }
  function setOptions(select, values, chosen) {
    var want = [""].concat(values);
    var have = [];
    for (var i = 0; i < select.options.length; i++) have.push(select.options[i].value);
    if (have.join("\\n") !== want.join("\\n")) {
      while (select.firstChild) select.removeChild(select.firstChild);
      want.forEach(function (v) { select.appendChild(element("option", { value: v }, v === "" ? "all" : v)); });
    }
    select.value = chosen;
  }
  // The filter is the client's own element: morphdom is told to keep it, so its state survives every update.
  function placeFilter(recent) {
    if (box === null) {
      box = element("div", { id: "loop-recent-filter", class: "filters", role: "group", "aria-label": "Filter recent events" });
      stageSelect = element("select", { id: "loop-filter-stage" });
      outcomeSelect = element("select", { id: "loop-filter-outcome" });
      count = element("span", { id: "loop-filter-count", class: "muted" });
      box.appendChild(labelled("Stage", stageSelect));
      box.appendChild(labelled("Outcome", outcomeSelect));
      box.appendChild(count);
      stageSelect.addEventListener("change", function () { filter.stage = stageSelect.value; applyFilter(); });
      outcomeSelect.addEventListener("change", function () { filter.outcome = outcomeSelect.value; applyFilter(); });
    }
    if (box.parentNode !== recent) {
      var heading = recent.querySelector("h2");
      recent.insertBefore(box, heading ? heading.nextSibling : recent.firstChild);
    }
  }
  function applyFilter() {
    var recent = document.getElementById("recent");
    var rows = recent ? recent.querySelectorAll("tr[data-stage]") : [];
    if (!recent || rows.length === 0) {
      if (box && box.parentNode) box.parentNode.removeChild(box);
      return;
    }
    placeFilter(recent);
    var shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var stage = rows[i].getAttribute("data-stage");
      if (stagesSeen.indexOf(stage) < 0) stagesSeen.push(stage);
      var match = (filter.stage === "" || stage === filter.stage) &&
        (filter.outcome === "" || rows[i].getAttribute("data-outcome") === filter.outcome);
      rows[i].hidden = !match;
      if (match) shown++;
    }
    stagesSeen.sort();
    setOptions(stageSelect, stagesSeen, filter.stage);
    setOptions(outcomeSelect, ["ok", "rejected", "error"], filter.outcome);
    var text = filter.stage === "" && filter.outcome === "" ? "" : "showing " + shown + " of " + rows.length;
    if (count.textContent !== text) count.textContent = text;
  }

  function render(html) {
    morphdom(main, '<main id="loop-main">' + html + "</main>", {
      childrenOnly: true,
      onBeforeElUpdated: function (from, to) {
        if (from === box) return false;
        if (from.tagName === "DETAILS") to.open = from.open;
        return !from.isEqualNode(to);
      },
      onBeforeNodeDiscarded: function (node) { return node !== box; }
    });
    applyFilter();
  }

  function applyDelta(before, ops) {
    var out = [], at = 0;
    for (var i = 0; i < ops.length; i++) {
      var op = ops[i];
      if (typeof op !== "number") { for (var j = 0; j < op.length; j++) out.push(op[j]); }
      else if (op >= 0) { if (at + op > before.length) return null; for (var k = 0; k < op; k++) out.push(before[at + k]); at += op; }
      else at -= op;
    }
    return at === before.length ? out : null;
  }

  function applied(event, update) {
    lastId = event.lastEventId;
    document.documentElement.setAttribute("data-loop-event-id", lastId);
    stale = update.stale === true;
    if (updated && update.updated) updated.textContent = update.updated;
    showStatus();
  }
  function connect() {
    source = new EventSource(config.eventsPath);
    source.addEventListener("open", function () { connected = true; showStatus(); });
    source.addEventListener("error", function () { connected = false; showStatus(); });
    source.addEventListener("model", function (event) {
      var update = JSON.parse(event.data);
      lines = update.html.split("\\n");
      render(update.html);
      applied(event, update);
    });
    source.addEventListener("delta", function (event) {
      var update = JSON.parse(event.data);
      var next = lines !== null && update.base === lastId ? applyDelta(lines, update.ops) : null;
      // Out of step (should not happen on one ordered stream): start over; a new stream begins with the whole page.
      if (next === null) { source.close(); lines = null; connect(); return; }
      lines = next;
      render(lines.join("\\n"));
      applied(event, update);
    });
  }
  applyFilter();
  connect();
})();`;

/**
 * Browser code, as text: morphdom and the client. It reads its settings from the JSON block
 * `#loop-live-config`, opens an EventSource (which resends `Last-Event-ID` on reconnect by itself), applies each
 * `model` (the whole `<main>`) or `delta` (changed lines since the previous update) event by morphing `#loop-main`
 * in place, keeps `<details>` open or closed as the reader left them, and filters Recent events by stage and
 * outcome. The header's `aria-live` status says connected, reconnecting or writer stale. It exposes the last
 * applied event id on `<html data-loop-event-id>` for tests and operators.
 */
export const LIVE_CLIENT_SCRIPT = `${bundledMorphdom()}\n${CLIENT}`;
