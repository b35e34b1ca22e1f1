// The page's side of the trainer: starts the worker, sends it controls, and keeps what it
// posts as reactive state. Snapshots are applied on animation frames (the newest wins), so
// the page redraws at most once a frame however often the worker posts.

const MAX_HISTORY = 4000;
const REDUCED_MOTION = window.matchMedia?.('(prefers-reduced-motion: reduce)') ?? { matches: false };

export class TrainerClient {
  backend = $state(null);
  config = $state(null);
  data = $state(null);
  snapshot = $state(null);
  fatal = $state(null);
  /** every evaluated loss since the last reset: {steps, train, test} */
  history = $state({ steps: [], train: [], test: [], version: 0 });

  #worker;
  #pending = null;
  #frame = 0;
  #replies = new Map();
  #nextId = 1;
  #lastApplied = 0;
  #views = {};

  #preset;

  constructor(preset, config) {
    this.#preset = preset;
    this.#start(config);
  }

  #start(config) {
    this.#worker = new Worker(new URL('../worker/trainer.worker.js', import.meta.url), { type: 'module' });
    this.#worker.onmessage = ({ data }) => this.#receive(data);
    this.#worker.onerror = (e) => { this.fatal = `The training worker failed: ${e.message ?? 'unknown error'}`; };
    this.#worker.postMessage({ type: 'init', preset: this.#preset, config: $state.snapshot(config) });
    if (Object.keys(this.#views).length) this.#worker.postMessage({ type: 'views', views: this.#views });
  }

  /**
   * After the worker died (a wasm trap, out of memory): a new one, with the last configuration
   * the worker accepted. User data (a CSV, clicked points) lived in the dead worker and is gone.
   */
  restart() {
    this.#worker.terminate();
    for (const settle of this.#replies.values()) settle({ ok: false, error: 'The training worker was restarted.' });
    this.#replies.clear();
    const config = this.config ?? {};
    this.fatal = null;
    this.snapshot = null;
    this.backend = null;
    this.#start(config.dataset === 'custom' ? { ...config, dataset: 'circle' } : config);
  }

  #receive(msg) {
    switch (msg.type) {
      case 'ready': this.backend = msg.backend; break;
      case 'config': this.config = msg.config; break;
      case 'data': this.data = msg.data; break;
      case 'snapshot':
        this.#pending = msg;
        if (!this.#frame) this.#frame = requestAnimationFrame(() => this.#apply());
        break;
      case 'reply': {
        const settle = this.#replies.get(msg.id);
        this.#replies.delete(msg.id);
        settle?.(msg);
        break;
      }
      case 'fatal': this.fatal = msg.message; break;
    }
  }

  #apply() {
    this.#frame = 0;
    // With reduced motion asked for, views change at most twice a second while training.
    const now = performance.now();
    if (this.#pending?.running && REDUCED_MOTION.matches && now - this.#lastApplied < 500) {
      this.#frame = requestAnimationFrame(() => this.#apply());
      return;
    }
    this.#lastApplied = now;
    const msg = this.#pending;
    this.#pending = null;
    if (!msg) return;
    const h = this.history;
    const m = msg.preset?.metrics;
    if (msg.step === 0 || msg.step < (h.steps.at(-1) ?? 0)) {
      h.steps = []; h.train = []; h.test = [];
    }
    if (m && msg.step > (h.steps.at(-1) ?? -1)) {
      h.steps.push(msg.step); h.train.push(m.trainLoss); h.test.push(m.testLoss);
      // A long run keeps every other point once the chart has plenty: drawing stays cheap.
      if (h.steps.length > MAX_HISTORY) {
        const even = (_, i) => i % 2 === 0 || i === h.steps.length - 1;
        h.steps = h.steps.filter(even); h.train = h.train.filter(even); h.test = h.test.filter(even);
      }
    }
    h.version++;
    this.snapshot = msg;
  }

  send(type, body = {}) {
    this.#worker.postMessage({ type, ...body });
  }

  configure(config) { this.send('configure', { config: $state.snapshot(config) }); }
  play() { this.send('play'); }
  pause() { this.send('pause'); }
  step() { this.send('step'); }
  reset() { this.send('reset'); }
  setThreads(n) { this.send('threads', { n }); }
  /** Which views are on screen (each key merges into what earlier calls said). */
  setViews(views) {
    this.#views = { ...this.#views, ...views };
    this.send('views', { views: this.#views });
  }

  /** A command for the preset or the inspector; resolves to the worker's reply ({ok, error?, note?, result?}). */
  command(name, args) {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#replies.set(id, resolve);
      // args may hold reactive proxies (state from an earlier snapshot): send plain copies
      this.#worker.postMessage({ type: 'command', id, name, args: $state.snapshot(args) });
    });
  }

  get running() { return this.snapshot?.running ?? false; }
  get step_() { return this.snapshot?.step ?? 0; }
}
