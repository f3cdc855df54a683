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
    box.dataset.state = data.state;
    const state = document.getElementById("state");
    if (state && state.dataset[data.state]) state.textContent = state.dataset[data.state];
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
