// A module Web Worker created the standard Vite way (see main.js); kindling runs here, off the page's thread.
import kindling from 'kindling';

import { compute } from './compute.js';

self.onmessage = async () => {
  try {
    const kd = await kindling();
    const result = { backend: kd.backend(), crossOriginIsolated: self.crossOriginIsolated === true, ...compute(kd) };
    kd.shutdown();
    self.postMessage({ ok: true, result });
  } catch (e) {
    self.postMessage({ ok: false, error: `${e?.name}: ${e?.message}\n${e?.stack ?? ''}` });
  }
};
