// Bring the message row with this id into view (so a virtualised bubble renders again and
// its image loads). Returns true when the row exists. Argument: {id}.
(arg) => {
  for (const el of document.querySelectorAll("#main [data-id]")) {
    const v = el.getAttribute("data-id");
    if (v === arg.id || v.endsWith("_" + arg.id) || v.includes("_" + arg.id + "_")) {
      el.scrollIntoView({ block: "center" });
      return true;
    }
  }
  return false;
}
