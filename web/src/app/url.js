// The configuration lives in the URL hash (`#preset=classify2d&dataset=xor&lr=0.1`), so a link
// reproduces a run. Fields at their default are left out. `<field>_hide=true` hides a control
// (for a classroom), as in TensorFlow Playground.
import { readConfig, writeConfig } from '../lib/schema.js';

export function readUrl(location = window.location) {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  const hidden = new Set([...params.keys()].filter((k) => k.endsWith('_hide') && params.get(k) !== 'false').map((k) => k.slice(0, -5)));
  return { preset: params.get('preset'), params, hidden, theme: params.get('theme') };
}

export const configFromUrl = (fields, params) => readConfig(fields, params);

export function writeUrl(preset, fields, config, hidden) {
  const params = new URLSearchParams({ preset });
  writeConfig(fields, config, params);
  for (const k of hidden) params.set(`${k}_hide`, 'true');
  const hash = `#${params.toString()}`;
  if (window.location.hash !== hash) history.replaceState(null, '', hash);
}
