// Hide every piece of content before the UI-drift screenshot, as dom_skeleton.js blanks it:
// text of every kind (form values, placeholders, pseudo-element text, SVG text) is made
// transparent; images, canvases, videos, frames and background images are hidden. A style
// sheet, not a DOM edit, so text the page renders again before the screenshot is hidden too,
// and the layout (what a drift report needs) stays. Added to the document and to every open
// shadow root. Returns the number of style sheets added.
() => {
  const css = `
    *, *::before, *::after, *::placeholder, *::marker, *::first-letter, *::first-line {
      color: transparent !important; -webkit-text-fill-color: transparent !important;
      text-shadow: none !important; caret-color: transparent !important;
      background-image: none !important; border-image: none !important;
      list-style-image: none !important; transition: none !important; animation: none !important;
    }
    svg text, svg tspan, svg textPath { fill: transparent !important; stroke: transparent !important; }
    img, image, picture, video, canvas, iframe, object, embed, audio { visibility: hidden !important; }
  `;
  const add = (root) => {
    const style = document.createElement("style");
    style.setAttribute("data-kenny-wa-blank", "");
    style.textContent = css;
    (root.head || root).appendChild(style);
    return 1;
  };
  let added = add(document);
  for (const el of document.querySelectorAll("*")) if (el.shadowRoot) added += add(el.shadowRoot);
  return added;
}
