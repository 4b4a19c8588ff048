// The emulator's web inbox, live: server-sent events say what changed, the server renders the HTML again.
"use strict";
(function () {
  const $ = (selector) => document.querySelector(selector);
  const notice = (text, bad) => {
    const el = $("#notice");
    el.textContent = text;
    el.className = bad ? "bad" : "";
  };

  function filterQuery() {
    const form = $("#filters");
    return new URLSearchParams(new FormData(form)).toString();
  }

  let pending = null;
  let refreshing = false;
  async function refresh() {
    pending = null;
    if (refreshing) { schedule(); return; }
    refreshing = true;
    try {
      const reply = await fetch("/_emulator/inbox?" + filterQuery(), { cache: "no-store" });
      if (!reply.ok) throw new Error("HTTP " + reply.status);
      const html = await reply.text();
      const open = new Set([...document.querySelectorAll("details.history[open]")]
        .map((d) => d.closest(".message").dataset.key));
      const holder = document.createElement("div");
      holder.innerHTML = html;
      const fresh = holder.firstElementChild;
      fresh.querySelectorAll(".message").forEach((m) => {
        if (open.has(m.dataset.key)) m.querySelector("details.history").open = true;
      });
      $("#content").replaceWith(fresh);
    } catch (err) {
      notice("Could not reload: " + err.message, true);
    } finally {
      refreshing = false;
    }
  }
  function schedule() {
    if (pending === null) pending = setTimeout(refresh, 150);
  }

  async function call(method, path, body) {
    const reply = await fetch(path, {
      method,
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body || {}),
    });
    const data = await reply.json().catch(() => ({}));
    if (!reply.ok) throw new Error(data.error || "HTTP " + reply.status);
    return data;
  }
  const act = (promise, done) =>
    promise.then((data) => { notice(done(data), false); schedule(); }).catch((err) => notice(err.message, true));

  function listen() {
    const live = $("#live");
    const events = new EventSource("/_emulator/events");
    events.onopen = () => { live.textContent = "live"; live.className = "on"; };
    events.onerror = () => { live.textContent = "reconnecting"; live.className = "off"; };
    for (const kind of ["messages", "clock", "accounts", "incoming", "faults", "reset"]) {
      events.addEventListener(kind, schedule);
    }
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.dataset.advance) {
      const seconds = Number(button.dataset.advance);
      act(call("POST", "/_emulator/clock/advance", { seconds }), () => "Clock moved " + button.textContent);
    } else if (button.dataset.faultOff) {
      act(call("DELETE", "/_emulator/faults/" + button.dataset.faultOff), () => "Fault switched off");
    }
  });

  $("#filters").addEventListener("submit", (event) => {
    event.preventDefault();
    const query = filterQuery();
    history.replaceState(null, "", query ? "/?" + query : "/");
    refresh();
  });

  $("#receive").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    const data = Object.fromEntries(new FormData(form));
    if (!data.to) delete data.to;
    act(call("POST", "/_emulator/incoming", data), (m) => {
      form.elements.text.value = "";
      return "Delivered to " + m.login + " from " + m.phone;
    });
  });

  $("#fault").addEventListener("submit", (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(event.target));
    const rule = { kind: data.kind, probability: 1 };
    if (data.command && data.kind !== "refuse") rule.command = data.command;
    if (data.kind === "delay") rule.seconds = 2;
    act(call("POST", "/_emulator/faults", rule), (f) => "Fault on: " + f.kind + " (" + (f.command || "every command") + ")");
  });

  listen();
})();
