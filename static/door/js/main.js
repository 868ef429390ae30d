// The door page: door key, scanning (camera, keyboard wedge, search), results, offline queue.
import { startCamera } from "./camera.js";
import { hideResult, showResult } from "./feedback.js";
import { foldName, looksLikeBadgeCode, parseBadgeCode } from "./fold.js";
import { randomId, sha256Hex } from "./sha256.js";
import { kvGet, kvSet, queueAdd, queueAll, queueDelete } from "./store.js";

const body = document.body;
const SLUG = body.dataset.slug;
const API = body.dataset.api;
const KEY_NAME = `door-key:${SLUG}`;
const REQUEST_TIMEOUT_MS = 4000;
const SAME_CODE_IGNORE_MS = 4000;
const LIST_REFRESH_MS = 60000;
const STATS_REFRESH_MS = 10000;
const FLUSH_EVERY_MS = 15000;

const $ = (id) => document.getElementById(id);
const state = {
  key: null, event: null, door: "", list: null, byHash: new Map(), byId: new Map(),
  retired: new Set(), local: {}, online: navigator.onLine, flushing: false,
  lastCode: "", lastCodeAt: 0, lastLocal: null, stats: null,
};

class Offline extends Error {}
class Locked extends Error {}

// ---- door key -------------------------------------------------------------------------

function takeKeyFromUrl() {
  const match = /(?:^|[#&])key=([^&]+)/.exec(location.hash);
  if (match) {
    localStorage.setItem(KEY_NAME, decodeURIComponent(match[1]));
    // Drop the secret from the address bar and from history.
    history.replaceState(null, "", location.pathname);
  }
  return localStorage.getItem(KEY_NAME);
}

function lock(message) {
  localStorage.removeItem(KEY_NAME);
  state.key = null;
  $("app").hidden = true;
  hideResult();
  $("locked-reason").textContent = message;
  $("locked").hidden = false;
}

// ---- network --------------------------------------------------------------------------

function setOnline(online) {
  state.online = online;
  const pill = $("net");
  pill.textContent = online ? "online" : "offline";
  pill.className = `pill ${online ? "pill-online" : "pill-offline"}`;
  body.classList.toggle("is-offline", !online);
}

async function api(path, { method = "GET", json, headers = {} } = {}) {
  if (!state.key) throw new Locked("no key");
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
  let response;
  try {
    response = await fetch(API + path, {
      method, signal: controller.signal, cache: "no-store",
      headers: { Authorization: `Bearer ${state.key}`, ...(json ? { "Content-Type": "application/json" } : {}), ...headers },
      body: json ? JSON.stringify(json) : undefined,
    });
  } catch {
    setOnline(false);
    throw new Offline("network");
  } finally {
    clearTimeout(timer);
  }
  setOnline(true);
  const data = response.status === 304 ? {} : await response.json().catch(() => ({}));
  if (response.status === 401 || response.status === 403) {
    lock(data.message || "This door link no longer works. Ask the host for a new one.");
    throw new Locked(data.message);
  }
  return { status: response.status, data, etag: response.headers.get("ETag") };
}

// ---- the guest list (offline copy) ----------------------------------------------------

function indexList(list) {
  state.list = list;
  state.byHash = new Map(list.guests.map((g) => [g.token_hash, g]));
  state.byId = new Map(list.guests.map((g) => [g.id, g]));
  state.retired = new Set(list.retired_token_hashes || []);
  for (const g of list.guests) g.folded = foldName(`${g.name} ${g.company || ""}`);
  body.dataset.guests = String(list.guests.length);
  if (list.event) showEvent(list.event);
}

function showEvent(event) {
  state.event = event;
  $("event-title").textContent = event.title;
  document.title = `Door · ${event.title}`;
}

// state.local: guest id -> {at, door} for what this phone saw, so a reload (or an offline
// spell) still knows who is in and through which door.
function checkedInAt(guest) {
  const mine = state.local[guest.id];
  return (mine && mine.at) || guest.checked_in_at;
}

async function markLocal(guest, at, door = state.door) {
  if (!guest) return;
  if (at) state.local[guest.id] = { at, door }; else delete state.local[guest.id];
  if (state.byId.has(guest.id)) state.byId.get(guest.id).checked_in_at = at || null;
  await kvSet(`local:${SLUG}`, state.local);
}

async function refreshList() {
  try {
    const cachedTag = state.list && state.list.etag;
    const { status, data, etag } = await api("/guests", { headers: cachedTag ? { "If-None-Match": cachedTag } : {} });
    if (status === 304 || status !== 200) return;
    data.etag = etag;
    // What this phone did offline and has not sent yet still counts locally.
    const pending = new Set((await queueAll(SLUG)).map((i) => i.guest_id).filter(Boolean));
    for (const id of Object.keys(state.local)) {
      if (!pending.has(Number(id))) delete state.local[id];
    }
    await kvSet(`local:${SLUG}`, state.local);
    await kvSet(`list:${SLUG}`, data);
    indexList(data);
    state.door = data.door;
    $("door-name").textContent = data.door || "";
  } catch (error) {
    if (!(error instanceof Offline) && !(error instanceof Locked)) throw error;
  }
}

// ---- results --------------------------------------------------------------------------

function localTime(iso) {
  if (!iso) return "";
  const options = { hour: "2-digit", minute: "2-digit", hour12: false };
  if (state.event && state.event.timezone) options.timeZone = state.event.timezone;
  return new Intl.DateTimeFormat("en-GB", options).format(new Date(iso));
}

function viewFor(answer, offline) {
  const g = answer.guest || {};
  const name = g.name || "";
  const line = g.ask_me_about ? `Ask me about: ${g.ask_me_about}` : (g.company || "");
  switch (answer.result) {
    case "ok":
      return { colour: "green", result: offline ? "ok-offline" : "ok", head: offline ? "Accepted offline" : "Welcome!", name, line,
        reason: offline ? "Saved on this phone; it syncs when the network is back." : "",
        extra: answer.conflict ? conflictText(answer, name) : (g.ask_me_about ? g.company || "" : "") };
    case "already": {
      const when = answer.first_checked_in_local || localTime(answer.first_checked_in_at);
      const where = answer.first_door ? ` (${answer.first_door})` : "";
      return { colour: "amber", result: "already", head: "Already in", name, line,
        reason: when ? `Already checked in at ${when}${where}` : "Already checked in." };
    }
    case "not_attending":
      return { colour: "red", result: "not_attending", head: "Not on tonight's list", name, line: "",
        reason: answer.reason || "This guest declined or cancelled their RSVP." };
    case "wrong_event":
      return { colour: "red", result: "wrong_event", head: "Wrong event", name: "", line: "",
        reason: answer.reason || "This badge is for another event." };
    case "revoked":
      return { colour: "red", result: "revoked", head: "Badge replaced", name, line: "",
        reason: answer.reason || "This badge was replaced by a newer one." };
    default:
      return { colour: "red", result: "unknown", head: "Not valid", name: "", line: "",
        reason: answer.reason || "Unknown code: this is not one of our badges." };
  }
}

function conflictText(answer, name) {
  const c = answer.conflict;
  if (!c) return "";
  const other = `${c.door || "another door"} at ${localTime(c.checked_in_at)}`;
  return answer.result === "ok"
    ? `${name}: also checked in by ${other}; this earlier scan counts.`
    : `${name}: already checked in by ${other}, before this offline scan.`;
}

async function applyAnswer(answer, offline, sticky = false) {
  if (answer.guest && (answer.result === "ok" || answer.result === "already")) {
    await markLocal(answer.guest, answer.first_checked_in_at || answer.guest.checked_in_at || new Date().toISOString(),
      answer.first_door || "");
  }
  showResult({ ...viewFor(answer, offline), sticky });
  if (!offline) refreshStats();
  else renderCount();
}

// ---- scanning -------------------------------------------------------------------------

async function offlineAnswer(code) {
  const token = parseBadgeCode(code);
  if (!token) return { result: "unknown", reason: "Not a badge code." };
  if (!state.list) return { result: "ok", guest: null, unchecked: true };
  const hash = (await sha256Hex(token)).slice(0, state.list.token_hash_chars || 32);
  if (state.retired.has(hash)) return { result: "revoked" };
  const guest = state.byHash.get(hash);
  if (!guest) {
    return { result: "unknown", reason: "Not on this event's guest list (offline: other events' badges look the same)." };
  }
  return answerForGuest(guest);
}

function answerForGuest(guest) {
  if (guest.status === "declined") return { result: "not_attending", guest, reason: "This guest declined or cancelled their RSVP." };
  if (guest.status === "waitlist") return { result: "not_attending", guest, reason: "This guest is on the waitlist, without a confirmed place." };
  const at = checkedInAt(guest);
  const mine = state.local[guest.id];
  if (at) return { result: "already", guest, first_checked_in_at: at, first_door: mine ? mine.door : null };
  return { result: "ok", guest };
}

async function acceptOffline(answer, item, idem = randomId()) {
  if (answer.result !== "ok") {
    await applyAnswer(answer, true);
    return;
  }
  const now = new Date().toISOString();
  // The same idempotency key as the request that timed out: if it did reach the server,
  // the sync gets that first answer back instead of a second check-in.
  await queueAdd({ ...item, slug: SLUG, idem, scanned_at: now, guest_id: answer.guest ? answer.guest.id : null });
  if (answer.guest) await markLocal(answer.guest, now);
  state.lastLocal = { guest_id: answer.guest ? answer.guest.id : null };
  if (answer.unchecked) {
    showResult({ colour: "amber", result: "queued", head: "Saved offline", name: "", line: "",
      reason: "No guest list on this phone yet: the scan is queued and will be checked when the network is back." });
  } else {
    showResult(viewFor({ ...answer, guest: { ...answer.guest, checked_in_at: now } }, true));
  }
  renderQueue();
  renderCount();
}

async function handleCode(text, source) {
  const code = (text || "").trim();
  if (!code) return;
  const now = Date.now();
  if (code === state.lastCode && now - state.lastCodeAt < SAME_CODE_IGNORE_MS) return;
  state.lastCode = code;
  state.lastCodeAt = now;
  const idem = randomId();
  const started = performance.now();
  try {
    const { status, data } = await api("/checkins", { method: "POST", json: { code }, headers: { "Idempotency-Key": idem } });
    if (status !== 200) throw new Error(data.message || `HTTP ${status}`);
    state.lastLocal = null;
    await applyAnswer(data, false);
    body.dataset.scanMs = String(Math.round(performance.now() - started)); // code in → answer shown
    flushQueue();
  } catch (error) {
    if (error instanceof Locked) return;
    if (!(error instanceof Offline)) { toast(`Could not check in: ${error.message}`); return; }
    await acceptOffline(await offlineAnswer(code), { code, source }, idem);
  }
}

async function checkInGuest(guest) {
  const idem = randomId();
  try {
    const { status, data } = await api("/checkins/by-id", { method: "POST", json: { guest_id: guest.id }, headers: { "Idempotency-Key": idem } });
    if (status !== 200) throw new Error(data.message || `HTTP ${status}`);
    state.lastLocal = null;
    await applyAnswer(data, false);
  } catch (error) {
    if (error instanceof Locked) return;
    if (!(error instanceof Offline)) { toast(`Could not check in: ${error.message}`); return; }
    await acceptOffline(answerForGuest(guest), { guest_id: guest.id }, idem);
  }
}

// ---- offline queue --------------------------------------------------------------------

async function flushQueue() {
  if (state.flushing || !state.key) return;
  state.flushing = true;
  try {
    for (const item of await queueAll(SLUG)) {
      const path = item.code ? "/checkins" : "/checkins/by-id";
      const json = item.code ? { code: item.code, scanned_at: item.scanned_at } : { guest_id: item.guest_id, scanned_at: item.scanned_at };
      let reply;
      try {
        reply = await api(path, { method: "POST", json, headers: { "Idempotency-Key": item.idem } });
      } catch (error) {
        break; // offline again, or locked: keep the rest for later, in order
      }
      if (reply.status >= 500) break;
      await queueDelete(item.seq);
      const answer = reply.data;
      if (answer.result !== "ok" || answer.conflict) await addConflict(item, answer);
      if (answer.guest) await markLocal(answer.guest, answer.first_checked_in_at || answer.guest.checked_in_at, answer.first_door || "");
    }
  } finally {
    state.flushing = false;
    renderQueue();
    refreshStats();
  }
}

async function addConflict(item, answer) {
  const list = (await kvGet(`conflicts:${SLUG}`)) || [];
  const name = (answer.guest && answer.guest.name) || "A badge";
  let text;
  if (answer.conflict) text = conflictText(answer, name);
  else if (answer.result === "already") text = `${name}: already checked in at ${answer.first_checked_in_local || ""} (${answer.first_door || "another door"}) before this offline scan at ${localTime(item.scanned_at)}.`;
  else text = `${name} (scanned offline at ${localTime(item.scanned_at)}): ${viewFor(answer, false).reason}`;
  list.unshift({ text, result: answer.result, at: item.scanned_at });
  await kvSet(`conflicts:${SLUG}`, list.slice(0, 50));
  renderConflicts(list);
}

async function renderQueue() {
  const waiting = (await queueAll(SLUG)).length;
  const el = $("queue");
  el.hidden = waiting === 0;
  el.textContent = `${waiting} check-in${waiting === 1 ? "" : "s"} saved offline, waiting to sync`;
  el.dataset.count = String(waiting);
}

async function renderConflicts(list) {
  list = list || (await kvGet(`conflicts:${SLUG}`)) || [];
  const ul = $("conflicts");
  ul.replaceChildren(...list.slice(0, 5).map((c) => {
    const li = document.createElement("li");
    li.textContent = c.text;
    return li;
  }));
}

// ---- numbers --------------------------------------------------------------------------

async function refreshStats() {
  try {
    const { status, data } = await api("/stats");
    if (status === 200) state.stats = data;
  } catch {
    // offline: the local count below still moves
  }
  renderCount();
}

function renderCount() {
  let arrived = state.stats ? state.stats.arrived : null;
  let expected = state.stats ? state.stats.expected : null;
  if (state.list && (!state.online || arrived === null)) {
    const guests = state.list.guests;
    arrived = guests.filter((g) => checkedInAt(g)).length;
    expected = guests.filter((g) => g.status === "attending").length;
  }
  $("arrived").textContent = arrived === null ? "–" : String(arrived);
  $("expected").textContent = expected === null ? "–" : String(expected);
}

// ---- name search ----------------------------------------------------------------------

function renderSearch() {
  const query = foldName($("search").value);
  const ul = $("results");
  if (!query || !state.list || looksLikeBadgeCode($("search").value)) { ul.replaceChildren(); return; }
  const starts = [];
  const contains = [];
  for (const g of state.list.guests) {
    if (g.folded.startsWith(query) || g.folded.includes(` ${query}`)) starts.push(g);
    else if (g.folded.includes(query)) contains.push(g);
    if (starts.length >= 8) break;
  }
  ul.replaceChildren(...starts.concat(contains).slice(0, 8).map((g) => {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "result-row";
    const at = checkedInAt(g);
    const status = g.status !== "attending" ? g.status : at ? `in ${localTime(at)}` : "";
    button.innerHTML = "<span class=\"n\"></span><span class=\"c\"></span><span class=\"s\"></span>";
    button.querySelector(".n").textContent = `${g.name}`;
    button.querySelector(".c").textContent = [g.company, `#${g.badge_number}`].filter(Boolean).join(" · ");
    button.querySelector(".s").textContent = status;
    button.addEventListener("click", () => { $("search").value = ""; renderSearch(); checkInGuest(g); });
    li.append(button);
    return li;
  }));
}

// ---- keyboard-wedge scanners ----------------------------------------------------------

function listenForScanner() {
  let buffer = "";
  let lastKey = 0;
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    const typing = target instanceof HTMLElement && target.closest("input, textarea, select, dialog");
    if (typing) return; // the search box handles its own Enter
    const now = Date.now();
    if (now - lastKey > 1000) buffer = "";
    lastKey = now;
    if (event.key === "Enter") {
      if (buffer.length >= 8) { event.preventDefault(); handleCode(buffer, "wedge"); }
      buffer = "";
    } else if (event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey) {
      buffer += event.key;
    }
  });
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = $("search").value;
    if (looksLikeBadgeCode(value)) {
      $("search").value = "";
      renderSearch();
      handleCode(value, "wedge");
      return;
    }
    const first = $("results").querySelector("button");
    if (first) first.click();
  });
  $("search").addEventListener("input", renderSearch);
}

// ---- undo and walk-ins ----------------------------------------------------------------

async function undoLast() {
  const pending = await queueAll(SLUG);
  if (state.lastLocal && pending.length) {
    const item = pending[pending.length - 1];
    await queueDelete(item.seq);
    if (item.guest_id && state.byId.has(item.guest_id)) await markLocal(state.byId.get(item.guest_id), null);
    state.lastLocal = null;
    toast("Offline check-in undone.");
    renderQueue();
    renderCount();
    return;
  }
  try {
    const { status, data } = await api("/checkins/undo", { method: "POST", json: {} });
    if (status === 200) {
      await markLocal(data.guest, null);
      toast(`Undone: ${data.guest.name} is no longer checked in.`);
      refreshStats();
    } else {
      toast(data.message || "Nothing to undo.");
    }
  } catch (error) {
    if (error instanceof Offline) toast("Undo needs the network for check-ins already synced.");
  }
}

function setupWalkin() {
  const dialog = $("walkin");
  const form = $("walkin-form");
  $("walkin-open").addEventListener("click", () => {
    if (!state.online) { toast("Walk-ins need the network: write a paper badge and add them when it is back."); return; }
    form.reset();
    for (const id of ["w-name-error", "w-email-error", "w-error"]) $(id).hidden = true;
    dialog.showModal();
    $("w-name").focus();
  });
  $("walkin-cancel").addEventListener("click", () => dialog.close());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const json = Object.fromEntries(new FormData(form).entries());
    if (!json.name.trim()) { showFieldError("name", "Type the guest's name."); return; }
    $("walkin-save").disabled = true;
    try {
      const { status, data } = await api("/walkins", { method: "POST", json });
      if (status === 201) {
        dialog.close();
        await applyAnswer({ result: "ok", guest: data.guest }, false, true);
        await refreshList();
        offerBadge(data.badge_pdf_url);
      } else if (data.field) {
        showFieldError(data.field, data.message);
      } else {
        showFieldError(null, data.message || `Could not add the guest (HTTP ${status}).`);
      }
    } catch (error) {
      if (error instanceof Offline) showFieldError(null, "The network dropped: nothing was saved. Try again.");
    } finally {
      $("walkin-save").disabled = false;
    }
  });
}

function showFieldError(field, message) {
  const el = $(field === "name" ? "w-name-error" : field === "email" ? "w-email-error" : "w-error");
  el.textContent = message;
  el.hidden = false;
}

function offerBadge(url) {
  const box = $("result-actions");
  if (!url) {
    $("result-extra").textContent = "Badge printing is not set up: write a name sticker.";
    return;
  }
  box.replaceChildren(...[["Badge PDF (4×3 in)", "single-4x3"], ["Card (CR80)", "cr80"]].map(([label, layout]) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-light";
    button.textContent = label;
    button.addEventListener("click", (event) => { event.stopPropagation(); downloadBadge(`${url}?layout=${layout}`, layout); });
    return button;
  }));
  box.hidden = false;
}

async function downloadBadge(url, layout) {
  // The PDF route wants the door key, which a plain link cannot send: fetch it, then hand it
  // to the phone as a download (its PDF viewer prints to the badge printer).
  try {
    const response = await fetch(url, { headers: { Authorization: `Bearer ${state.key}` } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const link = document.createElement("a");
    link.href = URL.createObjectURL(await response.blob());
    link.download = `badge-${layout}.pdf`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  } catch (error) {
    toast(`Could not get the badge: ${error.message}`);
  }
}

let toastTimer = null;
function toast(message) {
  const el = $("toast");
  el.textContent = message;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, 5000);
}

// ---- start ----------------------------------------------------------------------------

async function start() {
  state.key = takeKeyFromUrl();
  if (!state.key) { lock($("locked-reason").textContent); return; }
  if ("serviceWorker" in navigator) {
    const worker = `${body.dataset.sw}?static=${encodeURIComponent(body.dataset.static)}`;
    navigator.serviceWorker.register(worker, { scope: body.dataset.scope }).catch(() => {});
    navigator.serviceWorker.ready.then((reg) => {
      if (reg.active) reg.active.postMessage({ keep: location.pathname });
    });
  }
  state.local = (await kvGet(`local:${SLUG}`)) || {};
  const cached = await kvGet(`list:${SLUG}`);
  if (cached) {
    indexList(cached);
    state.door = cached.door;
    $("door-name").textContent = cached.door || "";
  }
  try {
    const { status, data } = await api("/door");
    if (status === 404) { lock("There is no such event: check the door link with the host."); return; }
    if (status === 200) {
      showEvent(data.event);
      state.door = data.door;
      $("door-name").textContent = data.door;
    }
  } catch (error) {
    if (error instanceof Locked) return;
  }
  $("app").hidden = false;
  body.dataset.ready = "1";
  setOnline(state.online && navigator.onLine);
  $("result").addEventListener("click", hideResult);
  $("undo").addEventListener("click", undoLast);
  setupWalkin();
  listenForScanner();
  renderQueue();
  renderConflicts();
  renderCount();
  window.addEventListener("online", () => { setOnline(true); flushQueue(); refreshList(); });
  window.addEventListener("offline", () => setOnline(false));
  await refreshList();
  renderCount();
  refreshStats();
  flushQueue();
  setInterval(refreshList, LIST_REFRESH_MS);
  setInterval(() => { if (state.online) refreshStats(); }, STATS_REFRESH_MS);
  setInterval(flushQueue, FLUSH_EVERY_MS);
  const setStatus = (text) => { $("camera-status").textContent = text; };
  // A permission prompt nobody answers would leave "Starting…" forever.
  const cameraWait = setTimeout(() => setStatus("Waiting for the camera: allow it, or use a scanner or search by name."), 6000);
  startCamera($("video"), $("frame"), handleCode, (text) => { clearTimeout(cameraWait); setStatus(text); }).then((ok) => {
    body.classList.toggle("has-camera", ok);
  });
}

start();
