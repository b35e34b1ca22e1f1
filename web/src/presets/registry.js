// Every preset, one entry each: its title, its configuration and its UI, loaded by the page.
// A preset is one folder named by its id; the worker finds the folder's worker.js by that id
// (worker/trainer.worker.js), so the worker never loads UI code.
export const PRESETS = {
  classify2d: { title: '2-D classification', config: () => import('./classify2d/config.js'), ui: () => import('./classify2d/ui/Preset.svelte') },
  words: { title: 'Word embeddings', config: () => import('./words/config.js'), ui: () => import('./words/ui/Preset.svelte') },
  attention: { title: 'Attention text classifier', config: () => import('./attention/config.js'), ui: () => import('./attention/ui/Preset.svelte') },
  charrnn: { title: 'Character RNN', config: () => import('./charrnn/config.js'), ui: () => import('./charrnn/ui/Preset.svelte') },
};

export const DEFAULT_PRESET = 'classify2d';
