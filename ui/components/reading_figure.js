// The reading figures on a canvas: the running answer, and the layers' states or gates as heatmaps.
// Drawn from the specs of ui/draw/reading_charts.py (see ui/components/reading_figure.py). One canvas per figure,
// redrawn in place on every new spec; hovering a row outlines it in every reading figure at once.

const ROW_EVENT = "lstm-row-hover";  // Every reading figure on the page hears it.
const NARROW_PX = 420;  // Narrower than this (a phone): the specs' short titles and smaller fonts.
const TEXT = "#444";
const FAINT = "#666";

// ---- data -------------------------------------------------------------------------------------

const TYPED = { f4: Float32Array, i1: Int8Array, u1: Uint8Array, i2: Int16Array, u2: Uint16Array, i4: Int32Array, u4: Uint32Array };
// A typed-array spec ({dtype, bdata, shape}): one dimension as a typed array, two as {values, rows, columns}.
function decoded(value) {
  if (!value || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(decoded);
  if (value.bdata !== undefined && value.dtype) {
    const bytes = Uint8Array.from(atob(value.bdata), (c) => c.charCodeAt(0));
    const values = new TYPED[value.dtype](bytes.buffer);
    const shape = (value.shape || String(values.length)).split(",").map(Number);
    return shape.length > 1 ? { values, rows: shape[0], columns: shape[1] } : values;
  }
  const out = {};
  for (const [key, item] of Object.entries(value)) out[key] = decoded(item);
  return out;
}
const at = (matrix, row, column) => matrix.values[row * matrix.columns + column];

function hexRgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
const tables = new Map();
function colourTable(scale) {  // 256 RGB entries interpolated along a Plotly-style [[position, "#rrggbb"], ...] scale.
  const id = JSON.stringify(scale);
  if (tables.has(id)) return tables.get(id);
  const table = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    let k = 0;
    while (k < scale.length - 2 && t > scale[k + 1][0]) k++;
    const [p0, c0] = scale[k], [p1, c1] = scale[k + 1];
    const f = p1 > p0 ? Math.min(1, Math.max(0, (t - p0) / (p1 - p0))) : 0;
    const a = hexRgb(c0), b = hexRgb(c1);
    for (let j = 0; j < 3; j++) table[i * 3 + j] = a[j] + (b[j] - a[j]) * f;
  }
  tables.set(id, table);
  return table;
}

// ---- drawing helpers --------------------------------------------------------------------------

let family = "sans-serif";  // The page's font, read once per paint (reading it per label forced style work).
function font(size, bold) {
  return `${bold ? "bold " : ""}${size}px ${family}`;
}
function text(g, value, x, y, { size = 12, colour = TEXT, align = "center", baseline = "alphabetic", bold = false, angle = 0 } = {}) {
  g.save();
  g.font = font(size, bold);
  g.fillStyle = colour;
  g.textAlign = align;
  g.textBaseline = baseline;
  g.translate(x, y);
  if (angle) g.rotate(angle);
  g.fillText(value, 0, 0);
  g.restore();
}
// A line of text on a white box, over whatever is drawn there (the notes of an empty figure).
function note(g, value, x, y, size) {
  g.font = font(size);
  const w = g.measureText(value).width + 16;
  g.fillStyle = "rgba(255,255,255,0.92)";
  g.fillRect(x - w / 2, y - size, w, size * 2);
  text(g, value, x, y, { size, colour: FAINT, baseline: "middle" });
}
function line(g, x0, y0, x1, y1, colour, width, dash) {
  g.save();
  g.strokeStyle = colour;
  g.lineWidth = width;
  if (dash) g.setLineDash(dash);
  g.beginPath();
  g.moveTo(x0, y0);
  g.lineTo(x1, y1);
  g.stroke();
  g.restore();
}
// The row marks every panel carries, one meaning each (see ui/draw/reading_charts.py): unread rows
// faded, a dashed grey line at the decided row, a dark line at the row shown, and an outline on
// the row pointed at. `along(row)` is where row `row` sits along the panel's row axis.
function rowMarks(g, marks, hoverRow, box, vertical, along) {
  const { current_row: current, decided_row: decided, rows } = marks;
  g.save();
  if (current < rows) {
    g.fillStyle = "rgba(255,255,255,0.6)";
    const a = along(current + 0.5), b = along(rows + 0.5);
    if (vertical) g.fillRect(box.x, a, box.w, b - a); else g.fillRect(a, box.y, b - a, box.h);
  }
  const across = (row, colour, width, dash) => {
    const p = along(row);
    if (vertical) line(g, box.x, p, box.x + box.w, p, colour, width, dash);
    else line(g, p, box.y, p, box.y + box.h, colour, width, dash);
  };
  if (decided !== null && decided !== undefined) across(decided, marks.decided_colour, 1.5, [5, 4]);
  across(current, marks.current_colour, 2);
  if (hoverRow !== null && hoverRow >= 1 && hoverRow <= rows) {
    g.strokeStyle = marks.current_colour;
    g.lineWidth = 1.5;
    const a = along(hoverRow - 0.5), b = along(hoverRow + 0.5);
    if (vertical) g.strokeRect(box.x + 0.75, a, box.w - 1.5, b - a); else g.strokeRect(a, box.y + 0.75, b - a, box.h - 1.5);
  }
  g.restore();
}
function colourBar(g, bar, scale, x, y, w, narrow) {
  const table = colourTable(scale);
  const [low, high] = bar.limits;
  const gradient = g.createLinearGradient(x, 0, x + w, 0);
  for (let i = 0; i <= 16; i++) {
    const k = Math.round((i / 16) * 255) * 3;
    gradient.addColorStop(i / 16, `rgb(${table[k]},${table[k + 1]},${table[k + 2]})`);
  }
  text(g, narrow ? bar.narrow_title : bar.title, x + w / 2, y - 4, { size: narrow ? 10 : 11 });
  g.fillStyle = gradient;
  g.fillRect(x, y, w, 9);
  bar.ticks.forEach((tick, i) => {
    const p = x + ((tick - low) / (high - low)) * w;
    line(g, p, y + 9, p, y + 12, TEXT, 1);
    text(g, bar.tick_text[i], p, y + 22, { size: narrow ? 9 : 10 });
  });
}

// ---- the layers: heatmap panels ----------------------------------------------------------------

// Where a panel or colour bar spans across: its narrow span on a phone, when the spec gives one.
function across(item, narrow) {
  return narrow && item.narrow_x ? item.narrow_x : item.x;
}

function heatmapLayout(figure, width) {
  const m = figure.margin, plotW = width - m.l - m.r, plotH = figure.height - m.t - m.b, narrow = width < NARROW_PX;
  return figure.panels.map((panel) => {
    const x = across(panel, narrow);
    return { panel, x: m.l + x[0] * plotW, y: m.t + (1 - panel.y[1]) * plotH, w: (x[1] - x[0]) * plotW, h: (panel.y[1] - panel.y[0]) * plotH };
  });
}

// A panel's title, row numbers and title, units' digit groups and axis title.
function drawPanelText(g, figure, box, narrow, along, unitX) {
  const { panel } = box;
  if (panel.title) text(g, narrow ? panel.narrow_title : panel.title, box.x + box.w / 2, box.y - 5, { size: 12 });
  if (panel.row_title) {
    for (let row = 4; row <= figure.marks.rows; row += 4) text(g, String(row), box.x - 4, along(row), { size: 10, align: "right", baseline: "middle" });
    text(g, panel.row_title, box.x - (narrow ? 20 : 26), box.y + box.h / 2, { size: 11, angle: -Math.PI / 2 });
  }
  let below = box.y + box.h + 4;
  if (panel.groups) {  // Their row of labels keeps its place in an empty figure too.
    if (unitX) {
      panel.groups.centres.forEach((centre, i) => {
        const digit = panel.groups.digits[i];
        text(g, String(digit), unitX(centre), below, { size: 11, bold: true, colour: figure.digit_colours[digit], baseline: "top" });
      });
    }
    below += 14;
  }
  if (panel.x_title) text(g, narrow ? panel.narrow_x_title : panel.x_title, box.x + box.w / 2, below, { size: narrow ? 10 : 11, baseline: "top" });
}

function drawHeatmaps(g, figure, width, hoverRow) {
  const narrow = width < NARROW_PX;
  const boxes = heatmapLayout(figure, width);
  const rows = figure.marks.rows;
  for (const box of boxes) {
    const { panel } = box;
    if (!panel.z) {  // Nothing read yet: the panel's place and titles, no marks.
      g.fillStyle = "#f4f5f7";
      g.fillRect(box.x, box.y, box.w, box.h);
      drawPanelText(g, figure, box, narrow, (row) => box.y + ((row - 0.5) / rows) * box.h, null);
      continue;
    }
    const z = panel.z, table = colourTable(figure.scales[panel.scale]);
    const [low, high] = panel.limits;
    const picture = new ImageData(z.columns, z.rows);
    for (let i = 0; i < z.values.length; i++) {
      const level = Math.round(Math.min(1, Math.max(0, (z.values[i] - low) / (high - low))) * 255) * 3;
      picture.data[i * 4] = table[level];
      picture.data[i * 4 + 1] = table[level + 1];
      picture.data[i * 4 + 2] = table[level + 2];
      picture.data[i * 4 + 3] = 255;
    }
    const cells = document.createElement("canvas");
    cells.width = z.columns;
    cells.height = z.rows;
    cells.getContext("2d").putImageData(picture, 0, 0);
    g.imageSmoothingEnabled = false;
    g.drawImage(cells, box.x, box.y, box.w, box.h);
    const along = (row) => box.y + ((row - 0.5) / rows) * box.h;
    const unitX = (unit) => box.x + ((unit + 0.5) / z.columns) * box.w;
    for (const boundary of (panel.groups && panel.groups.boundaries) || []) {
      line(g, unitX(boundary - 0.5), box.y, unitX(boundary - 0.5), box.y + box.h, "rgba(0,0,0,0.35)", 1);
    }
    rowMarks(g, figure.marks, hoverRow, box, true, along);
    drawPanelText(g, figure, box, narrow, along, unitX);
  }
  if (figure.note) {
    const first = boxes[0], last = boxes[boxes.length - 1];
    note(g, figure.note, (first.x + last.x + last.w) / 2, first.y + first.h / 2, narrow ? 12 : 14);
  }
  const m = figure.margin, plotW = width - m.l - m.r, top = figure.height - m.b + figure.colour_bar_offset;
  for (const bar of figure.colour_bars) {
    const x = across(bar, narrow);
    colourBar(g, bar, figure.scales[bar.scale], m.l + x[0] * plotW, top, (x[1] - x[0]) * plotW, narrow);
  }
  return (x, y) => {  // What lies under the pointer: {row, tip} or null.
    for (const box of boxes) {
      if (!box.panel.z || x < box.x || x > box.x + box.w || y < box.y || y > box.y + box.h) continue;
      const z = box.panel.z;
      const row = Math.min(z.rows - 1, Math.floor(((y - box.y) / box.h) * z.rows));
      const column = Math.min(z.columns - 1, Math.floor(((x - box.x) / box.w) * z.columns));
      const value = at(z, row, column).toFixed(2);
      const where = box.panel.units ? `unit ${box.panel.units[column]}` : `column ${column + 1}`;
      return { row: row + 1, tip: `${box.panel.hover_name}<br>row ${row + 1}, ${where}: <b>${value}</b>` };
    }
    return null;
  };
}

// ---- the running answer -----------------------------------------------------------------------

const percent = (value) => `${(100 * value).toFixed(1)}%`;

function drawAnswer(g, figure, width, hoverRow) {
  const narrow = width < NARROW_PX;
  const m = figure.margin, plotW = width - m.l - m.r, plotH = figure.height - m.t - m.b;
  const running = figure.running, rows = figure.marks.rows, top = 1.12;
  const panelTop = m.t + (1 - 0.92) * plotH, panelH = 0.92 * plotH;
  const lines = { x: m.l, y: panelTop, w: 0.7 * plotW, h: panelH };
  const bars = { x: m.l + 0.76 * plotW, y: panelTop, w: 0.24 * plotW, h: panelH };
  const xOf = (row) => lines.x + ((row - 0.5) / (rows + 0.4)) * lines.w;
  const yOf = (p) => lines.y + (1 - p / top) * lines.h;
  text(g, narrow ? figure.narrow_title : figure.title, 0, 16, { size: 13, align: "left" });
  for (const p of [0, 0.25, 0.5, 0.75, 1]) {
    line(g, lines.x, yOf(p), lines.x + lines.w, yOf(p), "#eee", 1);
    line(g, bars.x, yOf(p), bars.x + bars.w, yOf(p), "#eee", 1);
    text(g, `${Math.round(p * 100)}%`, lines.x - 4, yOf(p), { size: 10, align: "right", baseline: "middle" });
  }
  for (let row = 4; row <= rows; row += 4) text(g, String(row), xOf(row), lines.y + lines.h + 4, { size: 10, baseline: "top" });
  text(g, narrow ? figure.narrow_x_title : figure.x_title, lines.x + lines.w / 2, lines.y + lines.h + 18, { size: 11, baseline: "top" });
  if (!running) {  // Nothing read yet: the axes and a word on what will appear.
    // Between the 75% and 50% gridlines, so that its white box covers no tick label.
    note(g, figure.note, lines.x + lines.w / 2, yOf(0.625), narrow ? 12 : 14);
    for (let digit = 0; digit < 10; digit++) {
      const slot = bars.w / 10;
      text(g, String(digit), bars.x + digit * slot + slot / 2, bars.y + bars.h + 4, { size: narrow ? 8 : 10, baseline: "top" });
    }
    return () => null;
  }
  const trace = (digit, colour, width) => {
    g.save();
    g.strokeStyle = colour;
    g.lineWidth = width;
    g.lineJoin = "round";
    g.beginPath();
    for (let row = 0; row < rows; row++) {
      const x = xOf(row + 1), y = yOf(at(running, row, digit));
      if (row === 0) g.moveTo(x, y); else g.lineTo(x, y);
    }
    g.stroke();
    g.restore();
  };
  for (const digit of figure.quiet.digits) trace(digit, figure.quiet.colour, 1);
  const ordered = [...figure.lines].sort((a, b) => a.width - b.width);  // The final answer's thick line on top.
  for (const digitLine of ordered) trace(digitLine.digit, digitLine.colour, digitLine.width);
  rowMarks(g, figure.marks, hoverRow, lines, false, xOf);
  for (const digitLine of figure.lines) {
    const [row, p] = digitLine.label, size = digitLine.label_size;
    const x = xOf(row), y = yOf(p) - 9;
    g.font = font(size, true);
    const w = g.measureText(String(digitLine.digit)).width + 4;
    g.fillStyle = "rgba(255,255,255,0.85)";
    g.fillRect(x - w / 2, y - size / 2 - 1, w, size + 2);
    text(g, String(digitLine.digit), x, y, { size, bold: true, colour: digitLine.colour, baseline: "middle" });
  }
  if (figure.quiet.digits.length) text(g, figure.quiet.note, lines.x + 6, lines.y + 4, { size: 10, colour: FAINT, align: "left", baseline: "top" });
  // The bars: all ten digits after the row shown.
  const bar = figure.bars, slot = bars.w / bar.values.length;
  text(g, bar.title, bars.x + bars.w / 2, bars.y - 5, { size: 12 });
  bar.values.forEach((value, digit) => {
    const x = bars.x + digit * slot;
    g.save();
    g.globalAlpha = digit === bar.answer ? 1 : 0.35;
    g.fillStyle = figure.digit_colours[digit];
    g.fillRect(x + slot * 0.1, yOf(value), slot * 0.8, yOf(0) - yOf(value));
    g.restore();
    if (value >= 0.05) text(g, `${Math.round(value * 100)}%`, x + slot / 2, yOf(value) - 2, { size: narrow ? 8 : 9 });
    text(g, String(digit), x + slot / 2, bars.y + bars.h + 4, { size: narrow ? 8 : 10, baseline: "top" });
  });
  text(g, "digit", bars.x + bars.w / 2, bars.y + bars.h + 18, { size: 11, baseline: "top" });
  return (x, y) => {
    if (y < lines.y || y > lines.y + lines.h) return null;
    if (x >= lines.x && x <= lines.x + lines.w) {
      const row = Math.round(((x - lines.x) / lines.w) * (rows + 0.4) + 0.5);
      if (row < 1 || row > rows) return null;
      const shown = [...figure.lines.map((l) => l.digit)].sort((a, b) => at(running, row - 1, b) - at(running, row - 1, a));
      const rest = figure.quiet.digits.length ? `<br>others: at most ${percent(Math.max(...figure.quiet.digits.map((d) => at(running, row - 1, d))))}` : "";
      return { row, tip: `after row ${row}<br>` + shown.map((d) => `digit ${d}: <b>${percent(at(running, row - 1, d))}</b>`).join("<br>") + rest };
    }
    if (x >= bars.x && x <= bars.x + bars.w) {
      const digit = Math.min(9, Math.floor((x - bars.x) / slot));
      return { row: null, tip: `digit ${digit} after row ${bar.row}: <b>${percent(bar.values[digit])}</b>` };
    }
    return null;
  };
}

// ---- the component ----------------------------------------------------------------------------

function paint(canvas, figure, width, hoverRow, scale) {
  family = getComputedStyle(document.body).fontFamily || "sans-serif";
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(figure.height * scale);
  const g = canvas.getContext("2d");
  g.setTransform(scale, 0, 0, scale, 0, 0);
  g.fillStyle = "white";
  g.fillRect(0, 0, width, figure.height);
  return (figure.kind === "answer" ? drawAnswer : drawHeatmaps)(g, figure, width, hoverRow);  // "picture": one heatmap panel.
}

function redraw(holder) {
  const fixed = holder.figure.width;  // A figure of a fixed width (the input picture); the others fill their column.
  holder.style.width = fixed ? fixed + "px" : "100%";
  const width = fixed || holder.clientWidth || 600;
  holder.canvas.style.height = holder.figure.height + "px";
  holder.drawnScale = window.devicePixelRatio || 1;
  holder.hit = paint(holder.canvas, holder.figure, width, holder.hoverRow, holder.drawnScale);
  holder.drawnWidth = width;
}

function mount(parentElement) {
  const holder = document.createElement("div");
  holder.className = "reading-figure";
  holder.style.cssText = "position:relative;width:100%;";
  holder.hoverRow = null;
  const canvas = document.createElement("canvas");
  canvas.style.cssText = "display:block;width:100%;";
  holder.canvas = canvas;
  const tip = document.createElement("div");
  tip.style.cssText = "position:absolute;pointer-events:none;display:none;background:rgba(255,255,255,0.96);border:1px solid #ccc;" +
    "border-radius:4px;padding:3px 6px;font-size:12px;line-height:1.35;color:#222;white-space:nowrap;z-index:2;";
  holder.append(canvas, tip);
  parentElement.appendChild(holder);
  const point = (event) => {
    if (!holder.hit) return;
    const rect = canvas.getBoundingClientRect();
    const x = event.clientX - rect.left, y = event.clientY - rect.top;
    const found = holder.hit(x, y);
    if (!found) { tip.style.display = "none"; broadcast(null); return; }
    tip.innerHTML = found.tip;
    tip.style.display = "block";
    const left = Math.min(x + 12, rect.width - tip.offsetWidth - 2);
    tip.style.left = Math.max(0, left) + "px";
    tip.style.top = Math.max(0, y - tip.offsetHeight - 8) + "px";
    broadcast(found.row);  // null (the bars) clears the outline.
  };
  const hide = () => { tip.style.display = "none"; broadcast(null); };
  canvas.addEventListener("pointermove", point);
  // A finger neither hovers nor moves before lifting: a tap shows the tip and outline, which stay
  // until the next tap elsewhere on the page.
  canvas.addEventListener("pointerdown", point);
  canvas.addEventListener("pointerleave", (event) => { if (event.pointerType !== "touch") hide(); });
  holder.onOutsideTap = (event) => {  // Only the figure showing its tip: another's tap must not clear the outline.
    if (event.pointerType === "touch" && tip.style.display === "block" && !holder.contains(event.target)) hide();
  };
  document.addEventListener("pointerdown", holder.onOutsideTap);
  holder.onRow = (event) => {
    if (holder.hoverRow === event.detail || !holder.figure) return;
    holder.hoverRow = event.detail;
    holder.dataset.outlined = String(event.detail);
    redraw(holder);
  };
  window.addEventListener(ROW_EVENT, holder.onRow);
  // A picture of the figure at `scale`, for the PNG download (ui/components/browser_actions.py).
  holder.picture = (scale) => {
    const copy = document.createElement("canvas");
    paint(copy, holder.figure, holder.drawnWidth || holder.clientWidth || 600, null, scale);
    return copy;
  };
  if ("ResizeObserver" in window) {
    const changed = () => holder.clientWidth !== holder.drawnWidth || (window.devicePixelRatio || 1) !== holder.drawnScale;
    new ResizeObserver(() => { if (holder.figure && holder.clientWidth && changed()) redraw(holder); }).observe(holder);
  }
  return holder;
}

let lastBroadcast;
function broadcast(row) {
  if (row === lastBroadcast) return;
  lastBroadcast = row;
  window.dispatchEvent(new CustomEvent(ROW_EVENT, { detail: row }));
}

export default function ({ data, parentElement }) {
  const holder = parentElement.querySelector(".reading-figure") || mount(parentElement);
  holder.setAttribute("role", "img");
  holder.setAttribute("aria-label", data.alt || "");
  if (holder.dataset.drawn !== data.revision) {
    holder.figure = decoded(JSON.parse(data.figure));
    redraw(holder);
    holder.dataset.drawn = data.revision;
  }
  // Streamlit calls this when the component goes away: once the figure has left the page, stop listening.
  return () => setTimeout(() => {
    if (holder.isConnected) return;
    window.removeEventListener(ROW_EVENT, holder.onRow);
    document.removeEventListener("pointerdown", holder.onOutsideTap);
  }, 0);
}
