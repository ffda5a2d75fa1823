// The page: send a photo (file, drop, URL or webcam) to /v1/predict, draw a box per face and a
// bar per class, and send corrections to /v1/feedback. No framework, no build step.
"use strict";

const $ = (sel) => document.querySelector(sel);
const state = { model: null, labels: [], auth: false, image: null };

function headers(extra = {}) {
  const h = { ...extra };
  const token = $("#token").value.trim();
  if (token) h.Authorization = "Bearer " + token;
  return h;
}

async function api(path, options = {}) {
  const resp = await fetch(path, { ...options, headers: headers(options.headers) });
  const body = (resp.headers.get("content-type") || "").includes("json") ? await resp.json() : null;
  if (!resp.ok) {
    const err = new Error(body ? body.detail : resp.status + " " + resp.statusText);
    err.status = resp.status;
    throw err;
  }
  return { status: resp.status, body };
}

function say(text, isError = false) {
  const s = $("#status");
  s.textContent = text;
  s.classList.toggle("error", isError);
}

async function start() {
  for (const [key, input] of [["ferkit-user", $("#user")], ["ferkit-token", $("#token")]]) {
    const store = key === "ferkit-token" ? sessionStorage : localStorage;
    input.value = store.getItem(key) || "";
    input.addEventListener("change", () => store.setItem(key, input.value.trim()));
  }
  try {
    const health = (await api("/v1/health")).body;
    state.auth = health.auth;
    $("#token-row").hidden = !health.auth;
    const m = (await api("/v1/model")).body;
    state.model = m;
    state.labels = m.feedback_labels;
    const acc = m.metrics && m.metrics.val_accuracy != null
      ? `, validation accuracy ${(100 * m.metrics.val_accuracy).toFixed(1)} %` : "";
    $("#model").textContent = `model ${m.name}: ${m.classes.join(", ")} (faces ${m.input_size}x${m.input_size}${acc})`;
  } catch (e) {
    $("#model").textContent = "could not read the model: " + e.message;
  }
  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) $("#camera").hidden = false;
}

async function predictWith(body, contentType, label) {
  say(`looking for faces in ${label} ...`);
  $("#result").hidden = true;
  try {
    const opts = { method: "POST", body };
    if (contentType) opts.headers = { "Content-Type": contentType };
    const { body: out } = await api("/v1/predict?crops=1", opts);
    await show(out);
  } catch (e) {
    say(e.message, true);
  }
}

function sendFile(file) {
  if (!file) return;
  const form = new FormData();
  form.append("image", file, file.name);
  predictWith(form, null, file.name || "the photo");
}

async function show(out) {
  state.image = out;
  const n = out.faces.length;
  say(n ? `${n} face${n > 1 ? "s" : ""} found` + (out.note ? ` (${out.note})` : "")
        : (out.note || "no face found"));
  const blob = await (await fetch(`/v1/images/${out.image_id}/file`, { headers: headers() })).blob();
  const img = await createImageBitmap(blob);
  const canvas = $("#photo");
  const k = Math.min(1, 640 / img.width);
  canvas.width = Math.round(img.width * k);
  canvas.height = Math.round(img.height * k);
  const ctx = canvas.getContext("2d");
  ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
  ctx.lineWidth = 3;
  ctx.font = "bold 16px system-ui, sans-serif";
  for (const f of out.faces) {
    const [l, t, r, b] = f.box.map((v) => v * k);
    ctx.strokeStyle = "#ffb000";
    ctx.strokeRect(l, t, r - l, b - t);
    ctx.fillStyle = "#ffb000";
    ctx.fillRect(l, t - 22, 26, 22);
    ctx.fillStyle = "#000";
    ctx.fillText(String(f.index + 1), l + 8, t - 5);
  }
  const list = $("#faces");
  list.replaceChildren(...out.faces.map((f) => faceCard(out, f)));
  $("#result").hidden = false;
}

function faceCard(out, face) {
  const card = $("#face-card").content.firstElementChild.cloneNode(true);
  card.dataset.index = face.index;
  card.dataset.faceId = face.face_id;
  if (out.crops) card.querySelector(".crop").src = "data:image/png;base64," + out.crops[face.index];
  card.querySelector("h2").textContent =
    `face ${face.index + 1}: ${face.top} ${(100 * face.probabilities[face.top]).toFixed(0)} %` +
    (face.too_small ? " (small)" : "");
  const bars = card.querySelector(".bars");
  const order = state.model ? state.model.classes : Object.keys(face.probabilities);
  for (const cls of order) {
    const p = face.probabilities[cls];
    const row = document.createElement("div");
    row.className = "bar" + (cls === face.top ? " top" : "");
    row.dataset.cls = cls;
    row.innerHTML = '<span class="name"></span><span class="track"><span class="fill"></span></span><span class="pct"></span>';
    row.querySelector(".name").textContent = cls;
    row.querySelector(".fill").style.width = (100 * p).toFixed(1) + "%";
    row.querySelector(".pct").textContent = (100 * p).toFixed(0) + " %";
    bars.appendChild(row);
  }
  const select = card.querySelector(".fix");
  for (const cls of state.labels.length ? state.labels : order) {
    const o = document.createElement("option");
    o.value = o.textContent = cls;
    o.selected = cls === face.top;
    select.appendChild(o);
  }
  card.querySelector(".send").addEventListener("click", () => sendFix(out, face, select.value, card));
  return card;
}

async function sendFix(out, face, label, card) {
  const note = card.querySelector(".sent");
  note.classList.remove("error");
  note.textContent = "sending ...";
  const user = $("#user").value.trim();
  const payload = { image_id: out.image_id, face_index: face.index, label };
  if (user) payload.user = user;
  try {
    const { status, body } = await api("/v1/feedback", {
      method: "POST", body: JSON.stringify(payload), headers: { "Content-Type": "application/json" },
    });
    note.textContent = status === 201
      ? `received: "${body.label}", thank you (corpus item ${body.face_id}, waiting for review)`
      : `already received: "${body.label}"`;
  } catch (e) {
    note.classList.add("error");
    note.textContent = e.message;
  }
}

function wire() {
  $("#file").addEventListener("change", (e) => sendFile(e.target.files[0]));
  const drop = $("#drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    sendFile(e.dataTransfer.files[0]);
  });
  $("#url-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const url = $("#url").value.trim();
    if (url) predictWith(JSON.stringify({ image_url: url }), "application/json", url);
  });
  $("#camera").addEventListener("click", async () => {
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: true });
      $("#video").srcObject = stream;
      $("#camera-box").hidden = false;
    } catch (e) { say("no webcam: " + e.message, true); }
  });
  $("#snap").addEventListener("click", () => {
    const v = $("#video");
    const c = document.createElement("canvas");
    c.width = v.videoWidth;
    c.height = v.videoHeight;
    c.getContext("2d").drawImage(v, 0, 0);
    c.toBlob((blob) => sendFile(new File([blob], "webcam.png", { type: "image/png" })), "image/png");
  });
}

wire();
start();
