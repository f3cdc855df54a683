// Live parts of the console: new requests, and new messages of the open conversation.
"use strict";

function every(seconds, task) {
  task();
  setInterval(task, seconds * 1000);
}

async function getJson(url) {
  const response = await fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}});
  if (!response.ok || !(response.headers.get("content-type") || "").includes("json")) return null;
  return response.json();
}

function watchRequests(list) {
  every(5, async () => {
    const data = await getJson("/admin/conversations/poll?after=" + list.dataset.after);
    if (!data) return;
    for (const item of data.requests) {
      const li = document.createElement("li");
      li.className = "new";
      const link = document.createElement("a");
      link.href = "/admin/conversations/" + item.id;
      link.textContent = item.name || list.dataset.web;
      li.append(link, " · " + item.channel + " · " + list.dataset.new);
      if (item.last_message) {
        const excerpt = document.createElement("div");
        excerpt.className = "excerpt";
        excerpt.textContent = item.last_message;
        li.append(excerpt);
      }
      list.append(li);
      list.dataset.after = String(item.id);
      const none = document.getElementById("none");
      if (none) none.hidden = true;
    }
  });
}

function watchThread(thread) {
  every(3, async () => {
    const data = await getJson(thread.dataset.source + "?after=" + thread.dataset.after);
    if (!data) return;
    for (const message of data.messages) {
      const div = document.createElement("div");
      div.className = "msg " + (message.incoming ? "in" : (message.staff ? "staff" : "bot"));
      div.textContent = message.text;
      thread.append(div);
      thread.dataset.after = String(message.id);
      const empty = thread.querySelector(".empty");
      if (empty) empty.remove();
    }
    if (data.messages.length) thread.scrollTop = thread.scrollHeight;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const list = document.getElementById("requests");
  if (list) watchRequests(list);
  const thread = document.getElementById("thread");
  if (thread) {
    thread.scrollTop = thread.scrollHeight;
    watchThread(thread);
  }
});

function watchCampaign(box) {
  const done = document.getElementById("done");
  const doneText = document.getElementById("done-text");
  every(2, async () => {
    if (!["scheduled", "sending"].includes(box.dataset.state) && done.value >= done.max) return;
    const data = await getJson(box.dataset.source);
    if (!data) return;
    const max = Math.max(data.targeted, 1);
    done.max = max;
    done.value = data.targeted - data.pending;
    doneText.textContent = (data.targeted - data.pending) + " / " + data.targeted;
    for (const bar of box.querySelectorAll("progress[data-figure]")) {
      bar.max = max;
      bar.value = data[bar.dataset.figure];
    }
    for (const cell of box.querySelectorAll("[data-count]")) cell.textContent = data[cell.dataset.count];
    const before = box.dataset.state;
    box.dataset.state = data.state;
    const state = document.getElementById("state");
    if (state && state.dataset[data.state]) state.textContent = state.dataset[data.state];
    // Once the sending ends, the page is drawn again with its chart and its failures.
    const going = ["scheduled", "sending"];
    if (going.includes(before) && !going.includes(data.state)) location.reload();
  });
}

function watchAudience(input) {
  const shown = document.getElementById("audience-size");
  let timer = null;
  const update = async () => {
    const data = await getJson(input.dataset.source + "?q=" + encodeURIComponent(input.value));
    shown.textContent = data ? String(data.size) : "?";
  };
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(update, 300); });
  update();
}

document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("progress");
  if (box) watchCampaign(box);
  const audience = document.getElementById("audience");
  if (audience) watchAudience(audience);
});

// The audience builder writes the expression the server reads; the size then updates.
function watchBuilder(box, input) {
  const parts = box.querySelectorAll("[data-part]");
  const build = () => {
    const words = [];
    let subscribers = false;
    let groups = false;
    for (const part of parts) {
      if (part.dataset.part === "all") subscribers = part.checked;
      else if (part.dataset.part === "groups") groups = part.checked;
      else if (part.value) words.push(part.dataset.part + "=" + part.value);
    }
    if (subscribers || !groups) words.unshift("all");
    if (groups) words.push("groups");
    input.value = words.join(" ");
    input.dispatchEvent(new Event("input"));
  };
  for (const part of parts) part.addEventListener("change", build);
}

// The next times a schedule fires, as the server reads it.
function watchSchedule(kind, value) {
  const shown = document.getElementById("schedule-next");
  let timer = null;
  const update = async () => {
    const spec = kind.value === "now" ? "now" : kind.value + ":" + value.value;
    const response = await fetch(value.dataset.source + "?s=" + encodeURIComponent(spec), {credentials: "same-origin"});
    const data = await response.json().catch(() => null);
    if (!data) { shown.textContent = "?"; return; }
    shown.textContent = data.error ? data.error : (data.next.join(" · ") || "—");
  };
  const later = () => { clearTimeout(timer); timer = setTimeout(update, 300); };
  kind.addEventListener("change", later);
  value.addEventListener("input", later);
  update();
}

// A contacts import running on the server: its progress, then its counts and refused rows.
function watchImport(box) {
  const bar = document.getElementById("import-bar");
  const text = document.getElementById("import-text");
  const timer = setInterval(async () => {
    const data = await getJson(box.dataset.source);
    if (!data) return;
    bar.max = Math.max(data.total, 1);
    bar.value = data.done;
    text.textContent = data.done + " / " + (data.total || "…");
    if (!data.finished) return;
    clearInterval(timer);
    box.dataset.finished = "yes";
    if (data.error) {
      const error = document.getElementById("import-error");
      error.textContent = data.error;
      error.hidden = false;
      return;
    }
    bar.value = bar.max;
    const result = document.getElementById("import-result");
    for (const cell of result.querySelectorAll("[data-count]")) {
      const value = data[cell.dataset.count];
      cell.textContent = Array.isArray(value) ? value.length : value;
    }
    const rows = result.querySelector("#refused tbody");
    rows.replaceChildren(...data.refused.map(([line, reason]) => {
      const tr = document.createElement("tr");
      for (const value of [line, reason]) {
        const td = document.createElement("td");
        td.textContent = String(value);
        tr.append(td);
      }
      return tr;
    }));
    document.getElementById("refused-more").hidden = !data.refused_more;
    result.hidden = false;
  }, 500);
}

document.addEventListener("DOMContentLoaded", () => {
  const builder = document.getElementById("builder");
  const audience = document.getElementById("audience");
  if (builder && audience) watchBuilder(builder, audience);
  const kind = document.getElementById("schedule-kind");
  const value = document.getElementById("schedule-value");
  if (kind && value) watchSchedule(kind, value);
  const box = document.getElementById("import");
  if (box && box.dataset.finished !== "yes") watchImport(box);
});
