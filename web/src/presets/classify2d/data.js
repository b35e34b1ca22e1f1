// Datasets on the plane [-6, 6]²: the generators (seeded), the train/test split, the features,
// and the CSV reader. Pure JS: runs in the worker and in node (the benchmark, the tests).
import { makeRng } from '../../lib/prng.js';
import { DATASETS, FEATURES, MAX_POINTS } from './config.js';

export const EXTENT = 6;

// Each generator returns {xs: [[x1, x2]...], labels: [...]} for n points; `noise` is 0..0.5.
const GENERATORS = {
  circle(n, noise, rng) {
    const xs = [], labels = [];
    for (let i = 0; i < n; i++) {
      const inside = i % 2 === 0;
      const r = inside ? rng.uniform(0, 2.5) : rng.uniform(3.5, 5);
      const a = rng.uniform(0, 2 * Math.PI);
      xs.push([r * Math.cos(a) + rng.normal(0, 5 * noise), r * Math.sin(a) + rng.normal(0, 5 * noise)]);
      labels.push(inside ? 1 : 0);
    }
    return { xs, labels };
  },
  xor(n, noise, rng) {
    const xs = [], labels = [];
    const pad = 0.3;  // keeps points off the axes, where the label flips
    for (let i = 0; i < n; i++) {
      let x = rng.uniform(-5, 5), y = rng.uniform(-5, 5);
      x += x > 0 ? pad : -pad;
      y += y > 0 ? pad : -pad;
      labels.push(x * y >= 0 ? 1 : 0);
      xs.push([x + rng.normal(0, 5 * noise), y + rng.normal(0, 5 * noise)]);
    }
    return { xs, labels };
  },
  gauss(n, noise, rng) {
    const xs = [], labels = [];
    const std = 0.6 + 4 * noise;
    for (let i = 0; i < n; i++) {
      const positive = i % 2 === 0;
      const c = positive ? 2 : -2;
      xs.push([rng.normal(c, std), rng.normal(c, std)]);
      labels.push(positive ? 1 : 0);
    }
    return { xs, labels };
  },
  spiral(n, noise, rng) {
    return spiralArms(n, 2, noise, rng);
  },
  spirals(n, noise, rng, classes) {
    return spiralArms(n, classes, noise, rng);
  },
  blobs(n, noise, rng, classes) {
    const xs = [], labels = [];
    const std = 0.5 + 3 * noise;
    for (let i = 0; i < n; i++) {
      const k = i % classes;
      const a = (2 * Math.PI * k) / classes + Math.PI / 2;
      xs.push([rng.normal(3.3 * Math.cos(a), std), rng.normal(3.3 * Math.sin(a), std)]);
      labels.push(k);
    }
    return { xs, labels };
  },
  plane(n, noise, rng) {
    const xs = [], labels = [];
    for (let i = 0; i < n; i++) {
      const x = rng.uniform(-6, 6), y = rng.uniform(-6, 6);
      xs.push([x, y]);
      labels.push((x + y) / 12 + rng.normal(0, noise));
    }
    return { xs, labels };
  },
  bumps(n, noise, rng) {
    const xs = [], labels = [];
    const bump = (x, y, cx, cy) => Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 8);
    for (let i = 0; i < n; i++) {
      const x = rng.uniform(-6, 6), y = rng.uniform(-6, 6);
      xs.push([x, y]);
      labels.push(bump(x, y, 2.5, 2.5) - bump(x, y, -2.5, -2.5) + rng.normal(0, noise));
    }
    return { xs, labels };
  },
};

function spiralArms(n, arms, noise, rng) {
  const xs = [], labels = [];
  for (let i = 0; i < n; i++) {
    const k = i % arms;
    const t = (Math.floor(i / arms) / Math.ceil(n / arms)) ;  // 0..1 along the arm
    const r = 0.3 + 5.2 * t;
    const a = 1.75 * 2 * Math.PI * t + (2 * Math.PI * k) / arms;
    xs.push([r * Math.sin(a) + rng.normal(0, 3 * noise), r * Math.cos(a) + rng.normal(0, 3 * noise)]);
    labels.push(arms === 2 ? 1 - k : k);
  }
  return { xs, labels };
}

/**
 * A dataset: points as a Float32Array [n, 2], labels as a Float32Array [n], which are test
 * points (Uint8Array), its task and number of classes.
 */
export function makeDataset({ dataset, classes, noise, points, trainPct, dataSeed }) {
  const rng = makeRng(dataSeed);
  const { xs, labels } = GENERATORS[dataset](points, noise / 100, rng, classes);
  const task = DATASETS[dataset].task;
  return split(xs, labels, task, task === 'multiclass' ? classes : task === 'binary' ? 2 : 1, trainPct, rng);
}

/** Shuffles, then marks the last (100 − trainPct)% as test points. */
export function split(xs, labels, task, numClasses, trainPct, rng = makeRng(0)) {
  const n = xs.length;
  const order = rng.shuffle([...Array(n).keys()]);
  const nTrain = Math.max(1, Math.round((n * trainPct) / 100));
  const points = new Float32Array(2 * n), y = new Float32Array(n), isTest = new Uint8Array(n);
  order.forEach((src, dst) => {
    points[2 * dst] = Math.max(-EXTENT, Math.min(EXTENT, xs[src][0]));
    points[2 * dst + 1] = Math.max(-EXTENT, Math.min(EXTENT, xs[src][1]));
    y[dst] = labels[src];
    isTest[dst] = dst >= nTrain && n > 1 ? 1 : 0;
  });
  return { points, labels: y, isTest, task, numClasses };
}

/** The chosen features of points [n, 2], as a Float32Array [n, features.length]. */
export function featurize(points, features) {
  const n = points.length / 2, f = features.length;
  const fns = features.map((name) => FEATURES[name][1]);
  const out = new Float32Array(n * f);
  for (let i = 0; i < n; i++) {
    const x1 = points[2 * i], x2 = points[2 * i + 1];
    for (let j = 0; j < f; j++) out[i * f + j] = fns[j](x1, x2);
  }
  return out;
}

/** A res × res grid over the plane, row 0 at the top (x2 = +6), as points [res², 2]. */
export function gridPoints(res) {
  const out = new Float32Array(2 * res * res);
  for (let r = 0; r < res; r++) {
    for (let c = 0; c < res; c++) {
      out[2 * (r * res + c)] = -EXTENT + (2 * EXTENT * (c + 0.5)) / res;
      out[2 * (r * res + c) + 1] = EXTENT - (2 * EXTENT * (r + 0.5)) / res;
    }
  }
  return out;
}

export class CsvError extends Error {
  constructor(message) {
    super(message);
    this.name = 'CsvError';
  }
}

/**
 * Reads `x,y,label` rows (a header row is allowed; blank lines and # comments are skipped).
 * Labels that are all whole numbers 0..7 make a classification task (2 classes: binary),
 * anything else a regression. Points outside [-6, 6]² are scaled together to fit (said in
 * `note`). Throws a CsvError naming the first bad line.
 */
export function parseCsv(text, trainPct) {
  if (typeof text !== 'string') throw new CsvError('The file is not text.');
  const xs = [], labels = [];
  const lines = text.split(/\r\n|\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    const cells = line.split(/[,;\t]/).map((s) => s.trim());
    const nums = cells.map(Number);
    const isNumeric = cells.every((c) => c !== '') && nums.every(Number.isFinite);
    if (!isNumeric && xs.length === 0 && labels.length === 0 && !/\d/.test(cells[0] ?? '')) continue;  // header
    if (cells.length !== 3) throw new CsvError(`Line ${i + 1}: expected 3 values "x,y,label", found ${cells.length}: "${truncate(line)}".`);
    const bad = cells.findIndex((c, k) => c === '' || !Number.isFinite(nums[k]));
    if (bad >= 0) throw new CsvError(`Line ${i + 1}: ${['x', 'y', 'label'][bad]} is not a finite number: "${truncate(cells[bad])}".`);
    xs.push([nums[0], nums[1]]);
    labels.push(nums[2]);
    if (xs.length > MAX_POINTS) throw new CsvError(`Line ${i + 1}: more than ${MAX_POINTS} points; the playground trains on at most ${MAX_POINTS}.`);
  }
  if (xs.length < 2) throw new CsvError(`The file has ${xs.length} data row${xs.length === 1 ? '' : 's'}; at least 2 are needed.`);
  const { task, numClasses } = inferTask(labels);
  const maxAbs = Math.max(...xs.flat().map(Math.abs));
  let note = `${xs.length} points, ${task === 'regression' ? 'regression' : `${numClasses} classes`}`;
  if (maxAbs > EXTENT) {
    const s = EXTENT / maxAbs;
    for (const p of xs) { p[0] *= s; p[1] *= s; }
    note += `; scaled by ${s.toPrecision(3)} to fit the plane`;
  }
  return { ...split(xs, labels, task, numClasses, trainPct), note };
}

export function inferTask(labels) {
  const whole = labels.every((v) => Number.isInteger(v) && v >= 0 && v <= 7);
  if (!whole) return { task: 'regression', numClasses: 1 };
  const k = Math.max(...labels) + 1;
  return k <= 2 ? { task: 'binary', numClasses: 2 } : { task: 'multiclass', numClasses: k };
}

const truncate = (s) => (s.length > 40 ? `${s.slice(0, 40)}…` : s);
