// Full-screen result with sound and vibration, readable from a metre away.
let audio = null;

function ensureAudio() {
  if (!audio && (window.AudioContext || window.webkitAudioContext)) {
    audio = new (window.AudioContext || window.webkitAudioContext)();
  }
  if (audio && audio.state === "suspended") audio.resume().catch(() => {});
  return audio;
}

// Browsers allow sound only after a user gesture: unlock on the first one.
for (const type of ["pointerdown", "keydown", "touchstart"]) {
  window.addEventListener(type, ensureAudio, { once: true, capture: true });
}

const TONES = { green: [[880, 0.09], [1320, 0.12]], amber: [[660, 0.12], [660, 0.12]], red: [[220, 0.35]] };
const GLYPHS = { green: "✓", amber: "!", red: "✕" };
const BUZZ = { green: [60], amber: [80, 60, 80], red: [300] };

function beep(colour) {
  const ctx = audio;
  if (!ctx || ctx.state !== "running") return;
  let at = ctx.currentTime;
  for (const [freq, length] of TONES[colour]) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = colour === "red" ? "square" : "sine";
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.25, at);
    gain.gain.exponentialRampToValueAtTime(0.001, at + length);
    osc.connect(gain).connect(ctx.destination);
    osc.start(at);
    osc.stop(at + length);
    at += length + 0.04;
  }
}

let hideTimer = null;

export function showResult(view) {
  const box = document.getElementById("result");
  box.className = `result result-${view.colour}`;
  box.dataset.result = view.result;
  // A shape as well as a colour, for volunteers who cannot tell green from red.
  document.getElementById("result-icon").textContent = GLYPHS[view.colour];
  document.getElementById("result-head").textContent = view.head;
  document.getElementById("result-name").textContent = view.name || "";
  document.getElementById("result-line").textContent = view.line || "";
  document.getElementById("result-reason").textContent = view.reason || "";
  document.getElementById("result-extra").textContent = view.extra || "";
  const actions = document.getElementById("result-actions");
  actions.replaceChildren();
  actions.hidden = true;
  box.hidden = false;
  beep(view.colour);
  if (navigator.vibrate) navigator.vibrate(BUZZ[view.colour]);
  clearTimeout(hideTimer);
  // A walk-in's result stays up until tapped: it carries the badge buttons.
  if (!view.sticky) hideTimer = setTimeout(hideResult, view.colour === "green" ? 2500 : 4500);
}

export function hideResult() {
  clearTimeout(hideTimer);
  document.getElementById("result").hidden = true;
}
