// Name folding for search, the same rules as organizer/door/roster.py normalise_name.
// (Python's casefold() also turns a final sigma into σ; toLowerCase() keeps ς.)
const FOLD = { "đ": "d", "ð": "d", "ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "þ": "th", "ı": "i", "ς": "σ" };

export function foldName(text) {
  const bare = (text || "").normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
  return bare.replace(/[đðłøæœßþıς]/g, (c) => FOLD[c]).split(/\s+/).filter(Boolean).join(" ");
}

// The badge token in scanned text (URL or bare token), or null; mirrors parse_badge_code.
const TOKEN = /^[A-Za-z0-9_-]{16,64}$/;

export function parseBadgeCode(code) {
  let text = (code || "").trim();
  if (!text) return null;
  if (text.includes("/") || text.includes(":")) {
    if (!text.includes("://")) text = (text.startsWith("/") ? "http://host" : "http://") + text;
    let url;
    try { url = new URL(text); } catch { return null; }
    const parts = url.pathname.split("/").filter(Boolean).map((s) => { try { return decodeURIComponent(s); } catch { return s; } });
    if (parts.length < 2 || parts[parts.length - 2].toLowerCase() !== "b") return null;
    text = parts[parts.length - 1];
  }
  return TOKEN.test(text) ? text : null;
}

// Looks like something a scanner typed rather than a name being searched.
export function looksLikeBadgeCode(text) {
  const t = (text || "").trim();
  return /\/b\//i.test(t) || (!/\s/.test(t) && t.length >= 20 && TOKEN.test(t));
}
