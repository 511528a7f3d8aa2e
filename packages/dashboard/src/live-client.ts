// The only script the page ever carries (live mode): it follows the server's event stream and swaps <main>.
// The server sends markup it rendered itself with every file-derived string escaped.

/**
 * Browser code, as text. It reads its settings from the JSON block `#loop-live-config`, opens an
 * EventSource (which resends `Last-Event-ID` on reconnect by itself) and replaces `#loop-main` on each
 * `model` event. It exposes the last applied event id on `<html data-loop-event-id>` for tests and operators.
 */
export const LIVE_CLIENT_SCRIPT = `(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("loop-live-config").textContent);
  var main = document.getElementById("loop-main");
  var status = document.getElementById("loop-live-status");
  var source = new EventSource(config.eventsPath);
  function show(text) { if (status) status.textContent = text; }
  source.addEventListener("open", function () { show("live"); });
  source.addEventListener("error", function () { show("reconnecting…"); });
  source.addEventListener("model", function (event) {
    var update = JSON.parse(event.data);
    main.innerHTML = update.html;
    document.documentElement.setAttribute("data-loop-event-id", event.lastEventId);
    show("live · updated " + update.updated);
  });
})();`;
