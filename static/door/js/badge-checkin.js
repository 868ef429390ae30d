// The badge page (/b/<token>) opened on a door phone: offer to check this guest in.
(() => {
  const box = document.getElementById("door-checkin");
  if (!box) return;
  const storageKey = `door-key:${box.dataset.slug}`;
  const key = localStorage.getItem(storageKey);
  if (!key) return; // not a door phone for this event
  const button = document.getElementById("door-checkin-button");
  const out = document.getElementById("door-checkin-result");
  box.hidden = false;

  function say(text, result) {
    out.textContent = text;
    box.dataset.result = result;
  }

  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const bytes = crypto.getRandomValues(new Uint8Array(16));
      const response = await fetch(box.dataset.api, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${key}`, "Content-Type": "application/json",
          "Idempotency-Key": Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(""),
        },
        body: JSON.stringify({ code: box.dataset.code }),
      });
      const data = await response.json();
      if (response.status === 401 || response.status === 403) {
        localStorage.removeItem(storageKey);
        say(data.message || "This door link no longer works.", "locked");
        return;
      }
      const name = data.guest ? data.guest.name : "";
      if (data.result === "ok") say(`✓ ${name} is checked in.`, "ok");
      else if (data.result === "already") say(`! ${name} was already checked in at ${data.first_checked_in_local || ""}${data.first_door ? ` (${data.first_door})` : ""}.`, "already");
      else say(`✕ ${data.reason || "Not checked in."}`, data.result || "error");
    } catch {
      say("No network: scan this badge on the door page instead; it works offline.", "offline");
    } finally {
      button.disabled = false;
    }
  });
})();
