// Fetch image bytes from inside the page (blob: URLs only resolve here). Several per call.
// Argument: {items: [{id, url}], maxBytes, budget}. The size cap is checked on blob.size BEFORE
// any base64 work. Items are taken in order while their bytes stay within `budget` (the first
// one always): the answer is bounded, and the caller asks again for the items not answered.
// Returns [{id, ok, data?, size?, reason?}] with fixed reason words only.
async (arg) => {
  const toBase64 = (blob) => new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => { const s = String(reader.result); resolve(s.slice(s.indexOf(",") + 1)); };
    reader.onerror = () => reject(new Error("read"));
    reader.readAsDataURL(blob);
  });
  const out = [];
  let used = 0;
  for (const item of arg.items) {
    try {
      if (!item.url || !item.url.startsWith("blob:")) { out.push({ id: item.id, ok: false, reason: "not_loaded" }); continue; }
      const response = await fetch(item.url);
      if (!response.ok) { out.push({ id: item.id, ok: false, reason: "fetch_failed" }); continue; }
      const blob = await response.blob();
      if (blob.size > arg.maxBytes) { out.push({ id: item.id, ok: false, reason: "over_size_cap", size: blob.size }); continue; }
      if (blob.size === 0) { out.push({ id: item.id, ok: false, reason: "empty" }); continue; }
      if (out.length && used + blob.size > arg.budget) break;
      used += blob.size;
      out.push({ id: item.id, ok: true, data: await toBase64(blob), size: blob.size });
    } catch (e) {
      out.push({ id: item.id, ok: false, reason: "fetch_failed" });
    }
  }
  return out;
}
