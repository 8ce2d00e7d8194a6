// Line icons for the tab bar and the home tiles, drawn as SVG elements (no markup strings,
// no files to fetch): 24×24, the current text colour.
const PATHS = {
  home: ["M3 11 12 3l9 8", "M5 9.5V21h5v-6h4v6h5V9.5"],
  card: ["M3 5h18a1 1 0 0 1 1 1v12a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1z", "M2 10h20", "M6 15h5"],
  participation: ["M3 21h18", "M6 21V11", "M11 21V5", "M16 21v-8", "M21 21V8"],
  notifications: ["M6 17v-6a6 6 0 0 1 12 0v6l2 2H4z", "M10 21a2 2 0 0 0 4 0"],
  dossiers: ["M3 7a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z", "M8 13h8"],
  cases: ["M4 4h12l4 4v12H4z", "M8 12h8", "M8 16h5", "M12 6v4"],
  certificates: ["M5 3h14v12H5z", "M9 7h6", "M9 11h6", "M9 15v6l3-2 3 2v-6"],
  calculators: ["M6 2h12a2 2 0 0 1 2 2v16a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2z", "M8 6h8v4H8z", "M8 14h.01", "M12 14h.01", "M16 14h.01", "M8 18h.01", "M12 18h.01", "M16 18h.01"],
  account: ["M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8z", "M4 21c0-4 3.6-6 8-6s8 2 8 6"],
};

const SVG = "http://www.w3.org/2000/svg";

export function icon(name, className) {
  const svg = document.createElementNS(SVG, "svg");
  for (const [key, value] of Object.entries({
    viewBox: "0 0 24 24", width: "24", height: "24", fill: "none", stroke: "currentColor",
    "stroke-width": "2", "stroke-linecap": "round", "stroke-linejoin": "round",
    "aria-hidden": "true", focusable: "false", class: className,
  })) {
    if (value !== undefined) svg.setAttribute(key, value);
  }
  for (const d of PATHS[name] || []) {
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}
