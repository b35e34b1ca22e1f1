#!/bin/bash
# A CPU profile of a JS training step: relinks kindling_st.node with function names
# (--profiling-funcs) into /tmp/kdprof-NAME, runs the workload's step under node --cpu-prof and
# prints the self time per function, highest first.
#
#   bash bench/profile_mlp.sh [WORKTREE] [NAME] [WORKLOAD] [STEPS]
#
# WORKTREE: a built checkout (default: this one; `make build-wasm` first); NAME: the output
# folder's suffix (default "mlp"); WORKLOAD: a prefix of a bench/js/workloads.mjs name (default
# "MLP 2-16", the small MLP); STEPS: timed steps (default 5000, after a warm-up of a tenth).
set -eu
WT=$(cd "${1:-$(dirname "$0")/..}" && pwd); NAME=${2:-mlp}; W=${3:-MLP 2-16}; N=${4:-5000}; D=/tmp/kdprof-$NAME
rm -rf "$D"; mkdir -p "$D"; cp -r "$WT/bindings/npm/dist/." "$D/"
cd "$WT/build-wasm/bindings"
# The st node module's own link command, with names kept and the output in $D.
cmd=$(sed "s# -o ../wasm/node/kindling_st.node.js# --profiling-funcs -o $D/kindling_st.node.js#" CMakeFiles/kindling_st_node.dir/link.txt)
export NODE_PATH=/usr/share/nodejs  # Emscripten's JS optimizer needs Debian's acorn
eval "$cmd"
cd "$D"
cat > run.mjs <<JS
import { kindling } from './node.mjs';
import { workloads } from '$WT/bench/js/workloads.mjs';
const kd = await kindling({ threads: false });
const w = workloads().find((w) => w.name.startsWith(process.env.W));
const r = w.kindling(kd);
const N = Number(process.env.N);
for (let i = 0; i < Math.min(500, N / 10); i++) r.step(false);
const t0 = performance.now();
for (let i = 0; i < N; i++) r.step(false);
console.log('steps/s', (N / ((performance.now() - t0) / 1000)).toFixed(0));
JS
W="$W" N=$N node --cpu-prof --cpu-prof-dir="$D/prof" run.mjs
node -e '
const fs = require("fs");
const dir = process.argv[1];
const p = JSON.parse(fs.readFileSync(dir + "/" + fs.readdirSync(dir)[0]));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map();
let total = 0;
for (let i = 0; i < p.samples.length; i++) {
  const f = byId.get(p.samples[i]).callFrame;
  const k = f.functionName || "(anon) " + f.url.split("/").pop();
  self.set(k, (self.get(k) || 0) + p.timeDeltas[i]);
  total += p.timeDeltas[i];
}
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 45)) console.log((100 * v / total).toFixed(1).padStart(5) + "%  " + k.slice(0, 110));
' "$D/prof"
