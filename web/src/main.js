import './style.css';

// The page only draws; the worker owns the wasm module.
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });

function fill(id, rows) {
  const dl = document.getElementById(id);
  dl.replaceChildren(...rows.flatMap(([term, value]) => {
    const dt = document.createElement('dt');
    dt.textContent = term;
    const dd = document.createElement('dd');
    dd.textContent = value;
    return [dt, dd];
  }));
}

const yesNo = (b) => (b ? 'on' : 'off');

worker.onmessage = ({ data }) => {
  const status = document.getElementById('status');
  window.kindlingResult = data;
  if (!data.ok) {
    status.textContent = `The wasm module failed to load: ${data.error}`;
    status.classList.add('error');
    document.body.dataset.state = 'error';
    return;
  }
  const { backend, matmul, softmax, error, afterErrorSum } = data.result;
  status.textContent = backend.threads
    ? `Running the threaded build with ${backend.numThreads} threads.`
    : 'Running the single-threaded build (this page is not cross-origin isolated).';
  fill('backend', [
    ['build', backend.build === 'mt' ? 'mt (threaded)' : 'st (single thread)'],
    ['SIMD', yesNo(backend.simd)],
    ['threads', backend.threads ? `on: ${backend.numThreads} (max ${backend.maxThreads})` : 'off'],
    ['isolated', backend.crossOriginIsolated ? 'yes (COOP + COEP)' : 'no'],
  ]);
  fill('matmul', [
    ['median of 10', `${matmul.medianMs.toFixed(2)} ms`],
    ['throughput', `${matmul.gflops.toFixed(1)} GFLOPS`],
    ['ones @ ones [0,0]', String(matmul.entry)],
    [`all entries = ${matmul.n}`, String(matmul.allEqualN)],
  ]);
  fill('softmax', softmax.map((v, i) => [`[${i}]`, v.toFixed(6)]));
  fill('errors', error
    ? [['zeros(2,3) @ zeros(4,5)', `${error.name}: ${error.message}`], ['still working: sum([1,2,3])', String(afterErrorSum)]]
    : [['zeros(2,3) @ zeros(4,5)', 'no error was raised']]);
  document.getElementById('results').hidden = false;
  document.body.dataset.state = 'ready';
};

worker.onerror = (e) => {
  document.getElementById('status').textContent = `Worker error: ${e.message}`;
  document.body.dataset.state = 'error';
};
