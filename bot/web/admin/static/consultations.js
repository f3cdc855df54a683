// Consultation pages: answers coming in without a reload, and the question form's fields.
"use strict";

function fillRates(table, rows) {
  const body = table.querySelector("tbody");
  body.replaceChildren(...rows.map((row) => {
    const tr = document.createElement("tr");
    for (const value of [row.group, row.invited, row.started, row.finished, row.rate]) {
      const td = document.createElement("td");
      td.textContent = String(value);
      tr.append(td);
    }
    return tr;
  }));
}

function watchAnswers(box) {
  const refresh = async () => {
    const response = await fetch(box.dataset.source, {credentials: "same-origin", headers: {Accept: "application/json"}});
    if (!response.ok) return;
    const data = await response.json().catch(() => null);
    if (!data) return;
    document.getElementById("started").textContent = String(data.started);
    document.getElementById("finished").textContent = String(data.finished);
    const state = document.getElementById("state");
    if (state && state.dataset[data.state]) state.textContent = state.dataset[data.state];
    fillRates(document.getElementById("by-channel"), data.by_channel);
    fillRates(document.getElementById("by-province"), data.by_province);
    for (const question of data.questions) {
      const figure = document.getElementById("question-" + question.id);
      if (!figure) continue;
      for (const name of ["answered", "skipped", "mean", "texts"]) {
        const cell = figure.querySelector('[data-field="' + name + '"]');
        if (cell) cell.textContent = question[name] === "" ? "—" : String(question[name]);
      }
      const chart = figure.querySelector('[data-field="chart"]');
      // The chart is SVG drawn by the server, its texts escaped there.
      if (chart && question.chart !== null) chart.innerHTML = question.chart;
    }
    box.dataset.state = data.state;
    box.dataset.updated = String(Date.now());
  };
  setInterval(() => { if (box.dataset.state !== "closed") refresh(); }, 4000);
}

function showKindFields(select, form) {
  const update = () => {
    for (const part of form.querySelectorAll("[data-kinds]")) {
      part.hidden = !part.dataset.kinds.split(" ").includes(select.value);
    }
  };
  select.addEventListener("change", update);
  update();
}

document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("live");
  if (box) watchAnswers(box);
  const kind = document.getElementById("question-kind");
  const form = document.getElementById("new-question");
  if (kind && form) showKindFields(kind, form);
});
