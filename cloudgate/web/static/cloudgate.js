// cloudgate's dashboard: live updates and a keyboard shortcut. The page works without it; with it, the part of the
// page marked #live is fetched again from the server (its `live` block only) when the event stream says that
// something it shows changed, and a lost connection is shown until the stream is back.
"use strict";

(() => {
  const body = document.body;

  // "/" jumps to the page's main filter, as in many list tools (not while typing in a field).
  document.addEventListener("keydown", (event) => {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target instanceof HTMLElement && target.closest("input, textarea, select, [contenteditable]")) return;
    const field = document.querySelector("[data-shortcut='/']");
    if (field) {
      event.preventDefault();
      field.focus();
    }
  });

  // A page that answers a form (an access key's secret, a check's result) names the address that shows it again
  // without what only that answer held: a reload asks for that address instead of sending the form again.
  const address = document.querySelector("[data-address]");
  if (address && address.dataset.address !== location.pathname + location.search) {
    history.replaceState(null, "", address.dataset.address);
  }

  const streamUrl = body.dataset.stream;
  if (!streamUrl) return;

  const banner = document.getElementById("live-banner");
  const indicator = document.getElementById("live-indicator");
  const REFRESH_DELAY_MS = 250; // events come in bursts: one fetch for a burst
  const RETRY_MIN_MS = 1000;
  const RETRY_MAX_MS = 15000;
  let last = body.dataset.after || "";
  let source = null;
  let retryDelay = RETRY_MIN_MS;
  let refreshTimer = null;
  let refreshing = false;
  let refreshAgain = false;

  function show(state, message) {
    body.dataset.live = state; // connecting | live | lost | ended
    if (indicator) {
      indicator.dataset.state = state;
      indicator.textContent = { connecting: "Connecting…", live: "Live", lost: "Reconnecting…", ended: "Not live" }[state];
    }
    banner.hidden = !message;
    banner.replaceChildren();
    if (message) banner.append(...message);
  }

  function signInLink() {
    const link = document.createElement("a");
    link.href = streamUrl.replace(/\/events\/stream$/, "/signin") + "?next=" + encodeURIComponent(location.pathname + location.search);
    link.textContent = "Sign in again";
    return link;
  }

  function ended(text) {
    if (source) source.close();
    show("ended", [text + " ", signInLink()]);
  }

  function relevant(event) {
    if (body.dataset.watchAny !== undefined) return true;
    if (body.dataset.watchResource) return event.resource_id === body.dataset.watchResource;
    return event.kind === body.dataset.watchKind;
  }

  function scheduleRefresh() {
    if (refreshTimer === null) refreshTimer = setTimeout(() => { refreshTimer = null; refresh(); }, REFRESH_DELAY_MS);
  }

  function swap(region, html) {
    const focused = document.activeElement;
    const focusId = focused && region.contains(focused) ? focused.id : "";
    region.innerHTML = html;
    if (focusId) {
      const again = document.getElementById(focusId);
      if (again) again.focus();
    }
  }

  async function refresh() {
    if (refreshing) { refreshAgain = true; return; }
    refreshing = true;
    try {
      const response = await fetch(location.href, { headers: { "X-Cloudgate-Fragment": "1" }, cache: "no-store" });
      const region = document.getElementById("live");
      if (response.status === 401) {
        ended("Your session has ended.");
      } else if (response.status === 404 && body.dataset.watchResource) {
        const gone = document.createElement("p");
        gone.className = "notice";
        gone.id = "resource-gone";
        gone.setAttribute("role", "status");
        gone.textContent = "This resource no longer exists.";
        region.replaceChildren(gone);
      } else if (response.headers.get("X-Cloudgate-Fragment") === "1") {
        swap(region, await response.text());
      }
    } catch (error) {
      // The gateway did not answer: the stream's own error shows the lost connection and brings it back.
    } finally {
      refreshing = false;
      if (refreshAgain) { refreshAgain = false; scheduleRefresh(); }
    }
  }

  function onEvent(message) {
    if (message.lastEventId) last = message.lastEventId;
    let event;
    try { event = JSON.parse(message.data); } catch (error) { return; }
    if (relevant(event)) scheduleRefresh();
  }

  async function reconnectLater() {
    // The stream was refused (not merely cut, which EventSource retries itself): is the session over?
    try {
      const response = await fetch(location.href, { headers: { "X-Cloudgate-Fragment": "1" }, cache: "no-store" });
      if (response.status === 401) { ended("Your session has ended."); return; }
    } catch (error) { /* not answering yet: try again later */ }
    setTimeout(connect, retryDelay);
    retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
  }

  function connect() {
    // Resumes after the last event seen: the page's own position at first, Last-Event-ID on the browser's retries.
    source = new EventSource(streamUrl + (last ? "?after=" + encodeURIComponent(last) : ""));
    source.addEventListener("open", () => {
      const wasLost = body.dataset.live === "lost";
      retryDelay = RETRY_MIN_MS;
      show("live", null);
      if (wasLost) scheduleRefresh(); // what changed while the page was not listening
    });
    for (const type of ["created", "updated", "deleted"]) source.addEventListener(type, onEvent);
    source.addEventListener("error", (event) => {
      if (event instanceof MessageEvent && event.data) { // the server ended the stream: the session is over
        ended("Your session has ended.");
        return;
      }
      show("lost", ["Lost the connection to the gateway: reconnecting… (what the page shows may be stale)"]);
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        reconnectLater();
      }
    });
  }

  // What changes without an event (an account's poll state) is fetched again every data-refresh-seconds while live.
  const every = Number(document.getElementById("live")?.dataset.refreshSeconds || 0);
  if (every > 0) {
    setInterval(() => { if (body.dataset.live === "live" && !document.hidden) refresh(); }, every * 1000);
  }

  show("connecting", null);
  connect();
})();
