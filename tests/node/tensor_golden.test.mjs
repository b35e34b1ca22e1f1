// Every tensor op through the JS API against PyTorch 1.13, from the same fixtures as the
// native golden test (tests/fixtures/ops.json): forward values, requiresGrad, gradients, error
// kinds and messages, repr strings. Both builds. Tolerance as native: atol 1e-6 + rtol 1e-5.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import kindling from '../../bindings/npm/dist/node.mjs';

const fixtures = JSON.parse(readFileSync(new URL('../fixtures/ops.json', import.meta.url), 'utf8'));
const num = (v) => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : typeof v === 'boolean' ? Number(v) : v);
// Ops the JS API does not expose (internal helpers of the core).
const SKIP = new Set(['sum_to']);

function makeTensor(kd, spec) {
  return kd.tensor(spec.values.map(num), { shape: spec.shape, dtype: spec.dtype });
}

function applyStep(t, step) {
  const [kind, a, b, c] = step;
  switch (kind) {
    case 't': return t.t();
    case 'permute': return t.permute(a);
    case 'transpose': return t.transpose(a, b);
    case 'slice': return t.slice(a, b, c, step[4] ?? 1);
    case 'expand': return t.expand(a);
    case 'select': return t.select(a, b);
    case 'view': return t.view(a);
    case 'reshape': return t.reshape(a);
    case 'unsqueeze': return t.unsqueeze(a);
    case 'squeeze': return t.squeeze(a);
    case 'narrow': return t.narrow(a, b, c);
    case 'flatten': return t.flatten(a, b);
    case 'mul_scalar': return t.mul(num(a));
    default: throw new Error(`unknown step ${kind}`);
  }
}

function makeInputs(kd, row) {
  return row.inputs.map((spec) => {
    const leaf = makeTensor(kd, spec);
    if (spec.requires_grad) leaf.requiresGrad_();
    let value = leaf;
    for (const step of spec.layout ?? []) value = applyStep(value, step);
    return { leaf, value };
  });
}

// fixture op name + args -> JS API call; returns an array of output tensors.
function runOp(kd, row, x) {
  const a = row.args;
  const opts = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  switch (row.op) {
    case 'add': return [a.alpha === undefined ? x[0].add(x[1]) : kd.add(x[0], x[1], { alpha: a.alpha })];
    case 'sub': return [a.alpha === undefined ? x[0].sub(x[1]) : x[0].sub(x[1], { alpha: a.alpha })];
    case 'add_scalar': return [x[0].add(num(a.other))];
    case 'sub_scalar': return [x[0].sub(num(a.other))];
    case 'rsub_scalar': return [x[0].rsub(num(a.other))];
    case 'mul_scalar': return [x[0].mul(num(a.other))];
    case 'div_scalar': return [x[0].div(num(a.other))];
    case 'rdiv_scalar': return [x[0].rdiv(num(a.other))];
    case 'pow_scalar': return [x[0].pow(num(a.exponent))];
    case 'clamp': return [x[0].clamp({ min: a.min === undefined ? undefined : num(a.min), max: a.max === undefined ? undefined : num(a.max) })];
    case 'masked_fill': return [x[0].maskedFill(x[1], num(a.value))];
    case 'where': return [kd.where(x[0], x[1], x[2])];
    case 'sum': case 'mean':
      return [a.dims === undefined ? x[0][row.op]() : x[0][row.op](a.dims, { keepdim: a.keepdim ?? false })];
    case 'max': case 'min': {
      if (a.dim === undefined) return [x[0][row.op]()];
      const out = x[0][row.op](a.dim, { keepdim: a.keepdim ?? false });
      assert.equal(out.values, out[0]);
      assert.equal(out.indices, out[1]);
      return [out.values, out.indices];
    }
    case 'argmax': case 'argmin': return [x[0][row.op](a.dim, opts({ keepdim: a.keepdim }))];
    case 'var': case 'std': return [x[0][row.op](a.dims, opts({ unbiased: a.unbiased, keepdim: a.keepdim }))];
    case 'norm': return [x[0].norm(a.p === undefined ? 2 : num(a.p), a.dims, opts({ keepdim: a.keepdim }))];
    case 'softmax': return [x[0].softmax(a.dim)];
    case 'log_softmax': return [x[0].logSoftmax(a.dim)];
    case 'index_select': return [x[0].indexSelect(a.dim, x[1])];
    case 'gather': return [x[0].gather(a.dim, x[1])];
    case 'scatter_add': return [x[0].scatterAdd(a.dim, x[1], x[2])];
    case 'cat': return [kd.cat(x, a.dim)];
    case 'stack': return [kd.stack(x, a.dim)];
    case 'one_hot': return [kd.oneHot(x[0], a.num_classes ?? -1)];
    case 'logical_not': return [x[0].logicalNot()];
    case 'reshape': case 'view': case 'expand': return [x[0][row.op](a.shape)];
    case 'permute': return [x[0].permute(a.dims)];
    case 'transpose': return [x[0].transpose(a.dim0, a.dim1)];
    case 'unsqueeze': return [x[0].unsqueeze(a.dim)];
    case 'squeeze': return [x[0].squeeze(a.dim)];
    case 'narrow': return [x[0].narrow(a.dim, a.start, a.length)];
    case 'select': return [x[0].select(a.dim, a.index)];
    case 'slice': return [x[0].slice(a.dim, a.start ?? null, a.end ?? null, a.step ?? 1)];
    case 'flatten': return [x[0].flatten(a.start_dim ?? 0, a.end_dim ?? -1)];
    case 'view_chain': return [a.steps.reduce(applyStep, x[0])];
    case 'leaf': return [x[0]];
    default: {
      if (row.op.endsWith('_scalar')) return [x[0][row.op.slice(0, -7)](num(a.other))];
      const method = row.op.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
      if (x.length === 2) return [x[0][method](x[1])];
      if (typeof x[0][method] === 'function' && x.length === 1 && Object.keys(a).length === 0) return [x[0][method]()];
      throw new Error(`no JS mapping for op ${row.op}`);
    }
  }
}

function compare(what, tensor, spec, rtol = 1e-5, atol = 1e-6) {
  assert.deepEqual(tensor.shape, spec.shape, `${what}: shape`);
  assert.equal(tensor.dtype, spec.dtype, `${what}: dtype`);
  const ours = Array.from(tensor.dataSync());
  spec.values.forEach((v, i) => {
    const want = num(v);
    const got = ours[i];
    if (Number.isNaN(want)) assert.ok(Number.isNaN(got), `${what}[${i}]: ${got}, torch NaN`);
    else if (!Number.isFinite(want)) assert.equal(got, want, `${what}[${i}]`);
    else assert.ok(Math.abs(got - want) <= atol + rtol * Math.abs(want), `${what}[${i}]: ${got}, torch ${want}`);
  });
}

for (const build of ['mt', 'st']) {
  describe(`golden ops through the JS API (${build})`, () => {
    let kd;
    before(async () => {
      kd = await kindling({ threads: build === 'mt' });
    });
    after(() => kd.shutdown());

    test(`ops: ${fixtures.ops.length} rows, forward and backward`, () => {
      let ran = 0;
      for (const row of fixtures.ops) {
        if (SKIP.has(row.op)) continue;
        kd.tidy(() => {
          const inputs = makeInputs(kd, row);
          const outs = runOp(kd, row, inputs.map((i) => i.value));
          assert.equal(outs.length, row.outputs.length, row.id);
          const differentiable = [];
          row.outputs.forEach((spec, i) => {
            compare(`${row.id} output ${i}`, outs[i], spec, row.rtol, row.atol);
            assert.equal(outs[i].requiresGrad, spec.requires_grad, `${row.id} output ${i}: requiresGrad`);
            if (spec.requires_grad && spec.dtype === 'float32') differentiable.push(outs[i]);
          });
          if (!row.upstream) return;
          let loss = null;
          differentiable.forEach((o, i) => {
            const term = o.mul(makeTensor(kd, row.upstream[i])).sum();
            loss = loss ? loss.add(term) : term;
          });
          loss.backward();
          row.grads.forEach((g, i) => {
            const grad = inputs[i].leaf.grad;
            if (g === null) {
              if (grad) assert.ok(Array.from(grad.dataSync()).every((v) => v === 0), `${row.id}: unexpected grad ${i}`);
            } else {
              assert.ok(grad, `${row.id}: no grad for input ${i}`);
              compare(`${row.id} grad ${i}`, grad, g, row.rtol, row.atol);
            }
          });
        });
        ran++;
      }
      assert.ok(ran >= 400, `ran ${ran}`);
      assert.equal(kd.memory().liveTensors, 0);
    });

    test(`errors: ${fixtures.errors.length} rows raise torch's kind and message, and change nothing`, () => {
      for (const row of fixtures.errors) {
        if (SKIP.has(row.op)) continue;
        kd.tidy(() => {
          const inputs = makeInputs(kd, row);
          const before = inputs.map((i) => [Array.from(i.leaf.dataSync()), i.leaf.version]);
          const mem = kd.memory();
          assert.throws(() => runOp(kd, row, inputs.map((i) => i.value)), (err) => {
            assert.ok(err instanceof kd.errors[row.kind], `${row.id}: raised ${err.name}: ${err.message}, expected ${row.kind}`);
            assert.ok(err.message.includes(row.contains), `${row.id}: "${err.message}" lacks "${row.contains}"`);
            return true;
          }, row.id);
          inputs.forEach((i, k) => {
            assert.deepEqual([Array.from(i.leaf.dataSync()), i.leaf.version], before[k], `${row.id}: input ${k} changed`);
          });
          const now = kd.memory();
          assert.equal(now.liveStorages, mem.liveStorages, `${row.id}: storages`);
          assert.equal(now.bytes, mem.bytes, `${row.id}: bytes`);
        });
      }
    });

    test(`repr: ${fixtures.repr.length} rows print as torch`, () => {
      for (const row of fixtures.repr) {
        kd.tidy(() => {
          const inputs = makeInputs(kd, row);
          const [out] = row.op === 'leaf' ? [inputs[0].leaf] : runOp(kd, row, inputs.map((i) => i.value));
          assert.equal(out.toString(), row.repr, row.id);
          assert.equal(`${out}`, row.repr);
        });
      }
    });
  });
}
