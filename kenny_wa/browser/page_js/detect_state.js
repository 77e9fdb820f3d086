// Which WhatsApp Web screen is showing? One pass over every marker; returns a state name.
// Argument: {nav: {role: [selectors]}, text: {key: [lower-case substrings]}}.
// Reads only; never changes the page. Returns no page text.
(arg) => {
  const nav = arg.nav, texts = arg.text;
  const q = (role) => {
    for (const s of nav[role] || []) {
      try { const el = document.querySelector(s); if (el) return el; } catch (e) { /* bad selector */ }
    }
    return null;
  };
  const has = (hay, key) => (texts[key] || []).some((t) => hay.includes(t));
  const visible = (el) => !!el && el.getClientRects().length > 0;
  const dialogText = () => {
    const parts = [];
    for (const role of ["conflict_dialog", "modal"]) {
      for (const s of nav[role] || []) {
        try { document.querySelectorAll(s).forEach((el) => parts.push((el.innerText || el.textContent || "").toLowerCase())); } catch (e) {}
      }
    }
    return parts.join("\n");
  };

  if (!document.body) return "BOOT";
  const dialogs = dialogText();
  if (dialogs && has(dialogs, "conflict")) return "CONFLICT";

  const qr = q("qr_container");
  if (qr) {
    const reload = q("qr_reload");
    if (reload && qr.contains(reload)) return "QR_IDLE";
    if (has((qr.innerText || qr.textContent || "").toLowerCase(), "qr_reload")) return "QR_IDLE";
    return "QR";
  }
  if (q("qr_canvas") || q("phone_code_screen")) return "QR";

  if (q("logged_in")) return q("conversation") ? "CHAT_OPEN" : "MAIN";

  const errorCode = q("http_error_code");
  const bodyText = (document.body.innerText || "").slice(0, 20000).toLowerCase();
  if (has(bodyText, "http_429") || (errorCode && has((errorCode.textContent || "").toLowerCase(), "http_429"))) return "HTTP_429";
  if (has(bodyText, "unsupported_browser")) return "UNSUPPORTED_BROWSER";
  if (has(bodyText, "logged_out")) return "LOGGED_OUT";

  if (q("startup_shell")) return "BOOT";
  if (q("loading_progress") || has(bodyText, "loading")) return "LOADING";
  if (document.readyState !== "complete") return "BOOT";
  const app = q("app_root");
  if (app && !app.firstElementChild) return "BOOT";
  if (!document.body.firstElementChild) return "BOOT";
  return "UNKNOWN";
}
