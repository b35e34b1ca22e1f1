// Loads the preset named in the URL (its config and UI), then mounts the app.
import { mount } from 'svelte';
import App from './app/App.svelte';
import { TrainerClient } from './app/trainer.svelte.js';
import { configFromUrl, readUrl } from './app/url.js';
import { DEFAULT_PRESET, PRESETS } from './presets/registry.js';
import './app/theme.css';

const url = readUrl();
const presetId = PRESETS[url.preset] ? url.preset : DEFAULT_PRESET;
const [configModule, uiModule] = await Promise.all([PRESETS[presetId].config(), PRESETS[presetId].ui()]);

const initial = configModule.normalize(configFromUrl(configModule.FIELDS, url.params));
const client = new TrainerClient(presetId, initial);

mount(App, {
  target: document.getElementById('app'),
  props: { presetId, fields: configModule.FIELDS, PresetUi: uiModule.default, url, client, initial },
});
