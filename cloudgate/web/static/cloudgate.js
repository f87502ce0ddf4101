// cloudgate's dashboard: live updates, a keyboard shortcut and the create forms' searches. The page works without
// it; with it, the part of the page marked #live is fetched again from the server (its `live` block only) when the
// event stream says that something it shows changed, and a lost connection is shown until the stream is back.
"use strict";

(() => {
  const body = document.body;

  // A reference of a create form chosen among thousands: the names the server finds for what is typed, as the
  // field's suggestions (a datalist); the server answers with <option> elements it escaped.
  const LOOKUP_DELAY_MS = 200;
  for (const field of document.querySelectorAll("input[data-lookup]")) {
    const list = document.getElementById(field.getAttribute("list"));
    let timer = null;
    let asked = 0;
    field.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const mine = ++asked;
        // Several names are separated by commas: the last one is looked up, the others kept before it.
        const cut = field.dataset.many !== undefined ? field.value.lastIndexOf(",") + 1 : 0;
        const url = new URL(field.dataset.lookup, location.href);
        url.searchParams.set("q", field.value.slice(cut).trim());
        try {
          const response = await fetch(url, { cache: "no-store" });
          if (!response.ok || mine !== asked) return;
          list.innerHTML = await response.text();
          if (cut) for (const option of list.options) option.value = field.value.slice(0, cut) + " " + option.value;
        } catch (error) { /* no suggestions this time: the name typed still goes */ }
      }, LOOKUP_DELAY_MS);
    });
  }

  // The create form was built for the clouds chosen above it: once they change, it waits for them to be applied.
  const where = document.getElementById("where");
  const stale = document.getElementById("where-stale");
  if (where && stale) {
    where.addEventListener("change", () => {
      stale.hidden = false;
      for (const button of document.querySelectorAll("[data-needs-where]")) button.disabled = true;
    });
  }

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
  let since = body.dataset.since || ""; // with it, the page follows operations too: the newest change seen
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

  function relevant(type, event) {
    if (body.dataset.watchAny !== undefined) return true;
    if (type === "operation") {
      return body.dataset.watchOperations !== undefined || event.id === body.dataset.watchOperation;
    }
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
    if (message.type === "operation" && since && event.updated_at > Number(since)) since = String(event.updated_at);
    if (relevant(message.type, event)) scheduleRefresh();
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
    const url = new URL(streamUrl, location.href);
    if (last) url.searchParams.set("after", last);
    if (since) {
      url.searchParams.set("operations", "1");
      url.searchParams.set("since", since);
    }
    source = new EventSource(url);
    source.addEventListener("open", () => {
      const wasLost = body.dataset.live === "lost";
      retryDelay = RETRY_MIN_MS;
      show("live", null);
      if (wasLost) scheduleRefresh(); // what changed while the page was not listening
    });
    for (const type of ["created", "updated", "deleted", "operation"]) source.addEventListener(type, onEvent);
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
