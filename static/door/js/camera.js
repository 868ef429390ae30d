// Continuous QR scanning from the rear camera: BarcodeDetector where the browser has it,
// otherwise the vendored jsQR (static/vendor/jsqr) on downscaled frames.
const FRAME_GAP_MS = 120;
const MAX_WIDTH = 640;

async function makeDetector() {
  if (!("BarcodeDetector" in window)) return null;
  try {
    const formats = await window.BarcodeDetector.getSupportedFormats();
    if (!formats.includes("qr_code")) return null;
    return new window.BarcodeDetector({ formats: ["qr_code"] });
  } catch {
    return null;
  }
}

function decodeWithJsQR(video, canvas) {
  if (!window.jsQR || !video.videoWidth) return null;
  const scale = Math.min(1, MAX_WIDTH / video.videoWidth);
  const w = Math.round(video.videoWidth * scale);
  const h = Math.round(video.videoHeight * scale);
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(video, 0, 0, w, h);
  const found = window.jsQR(ctx.getImageData(0, 0, w, h).data, w, h, { inversionAttempts: "attemptBoth" });
  return found ? found.data : null;
}

export async function startCamera(video, canvas, onCode, setStatus) {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    setStatus("No camera here (the door page needs HTTPS for the camera). Use a scanner or search.");
    return false;
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
    });
  } catch (error) {
    setStatus(error && error.name === "NotAllowedError"
      ? "Camera blocked: allow it in the browser, or use a scanner or search."
      : "No camera found. Use a scanner or search by name.");
    return false;
  }
  video.srcObject = stream;
  await video.play().catch(() => {});
  const detector = await makeDetector();
  video.dataset.decoder = detector ? "BarcodeDetector" : "jsQR";
  setStatus("Point the camera at a badge");
  let busy = false;
  const tick = async () => {
    if (!busy && video.readyState >= 2) {
      busy = true;
      try {
        let text = null;
        if (detector) {
          const codes = await detector.detect(video);
          text = codes.length ? codes[0].rawValue : null;
        } else {
          text = decodeWithJsQR(video, canvas);
        }
        if (text) onCode(text, "camera");
      } catch {
        // A frame that cannot be read is skipped; the next one usually can.
      } finally {
        busy = false;
      }
    }
    setTimeout(tick, FRAME_GAP_MS);
  };
  tick();
  return true;
}
