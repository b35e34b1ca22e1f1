// Colour scales. Signed values: orange (negative) — neutral — blue (positive), as TensorFlow
// Playground draws them. Classes: Paul Tol's "bright" scheme, safe for colour-blind readers;
// two classes keep the orange/blue pair so "class 1" reads as "positive".

export const NEGATIVE = [245, 147, 34];
export const POSITIVE = [8, 119, 189];
export const NAN_COLOUR = [150, 150, 150];

export const TOL_BRIGHT = ['#4477AA', '#EE6677', '#228833', '#CCBB44', '#66CCEE', '#AA3377', '#BBBBBB', '#222222'];
// Paul Tol's "muted" scheme: nine distinct colours, for up to nine categories (topics)
export const TOL_MUTED = ['#CC6677', '#332288', '#DDCC77', '#117733', '#88CCEE', '#882255', '#44AA99', '#999933', '#AA4499'];
const hexToRgb = (h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));

export const classColours = (numClasses) =>
  numClasses <= 2 ? ['rgb(245,147,34)', 'rgb(8,119,189)'] : TOL_BRIGHT.slice(0, numClasses);
export const classRgb = (numClasses) =>
  numClasses <= 2 ? [NEGATIVE, POSITIVE] : TOL_BRIGHT.slice(0, numClasses).map(hexToRgb);

/** t in [-1, 1] → [r, g, b] through `mid`; NaN → grey. */
export function diverging(t, mid) {
  if (!Number.isFinite(t)) return NAN_COLOUR;
  const s = Math.max(-1, Math.min(1, t));
  const end = s < 0 ? NEGATIVE : POSITIVE;
  const a = Math.abs(s);
  return [0, 1, 2].map((i) => Math.round(mid[i] + (end[i] - mid[i]) * a));
}

export const cssRgb = ([r, g, b], alpha = 1) => (alpha === 1 ? `rgb(${r},${g},${b})` : `rgba(${r},${g},${b},${alpha})`);

/** The neutral colour of the current theme (the background a value of 0 fades into). */
export function themeNeutral() {
  const v = getComputedStyle(document.documentElement).getPropertyValue('--neutral-rgb').trim();
  const parts = v.split(/[ ,]+/).map(Number);
  return parts.length === 3 && parts.every(Number.isFinite) ? parts : [255, 255, 255];
}
