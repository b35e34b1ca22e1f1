// Serialization: safetensors bytes and pretrained word vectors (bindings/embind/serialize.cpp).
//
//   const bytes = kd.saveSafetensors(model.stateDict(), { format: 'pt' });   // Uint8Array
//   const sd = kd.loadSafetensors(bytes);        // {name: Tensor} in file order
//   sd.__metadata__                               // {key: string}, non-enumerable
//   model.loadStateDict(sd);
//   const { vocab, indexToWord, vectors } = kd.readEmbeddingsText(text, { header: 'auto' });
//
// Files are the caller's business (fs.readFileSync in node, fetch in the browser): bytes in, bytes out.

export function installSerializeApi(ctx, kd) {
  const { raw, Tensor, typeError, describe, checkOptions } = ctx;

  function namedTensors(tensors, what) {
    let entries;
    if (tensors instanceof Map) entries = [...tensors.entries()];
    else if (Array.isArray(tensors)) entries = tensors;
    else if (tensors !== null && typeof tensors === 'object' && !(tensors instanceof Tensor)) entries = Object.entries(tensors);
    else throw typeError(`${what}: expected {name: Tensor}, a Map or [name, Tensor] pairs, got ${describe(tensors)}`);
    const names = [];
    const handles = [];
    for (const e of entries) {
      if (!Array.isArray(e) || typeof e[0] !== 'string' || !(e[1] instanceof Tensor)) {
        throw typeError(`${what}: every entry must be a name and a Tensor, got ${describe(e)}`);
      }
      names.push(e[0]);
      handles.push(ctx.unwrap(e[1]));
    }
    return [names, handles];
  }

  /** The safetensors bytes of {name: Tensor} (Map or pairs too), with optional string metadata. */
  function saveSafetensors(tensors, metadata) {
    const [names, handles] = namedTensors(tensors, 'saveSafetensors()');
    const meta = Object.entries(checkOptions(metadata, 'saveSafetensors(): metadata'));
    for (const [k, v] of meta) {
      if (typeof v !== 'string') throw typeError(`saveSafetensors(): metadata values must be strings, got ${describe(v)} for '${k}'`);
    }
    return ctx.call(raw.serializeSaveSafetensors, names, handles, meta.map(([k]) => k), meta.map(([, v]) => v));
  }

  /**
   * Reads safetensors bytes (Uint8Array, ArrayBuffer or Buffer): {name: Tensor} in file order,
   * with the header's "__metadata__" as a non-enumerable `__metadata__` property (a name no
   * tensor may have). The tensors are new: dispose them, or load inside kd.tidy.
   */
  function loadSafetensors(bytes) {
    const r = ctx.call(raw.serializeLoadSafetensors, ctx.checkBytes(bytes, 'loadSafetensors()'));
    const out = {};
    // defineProperty, not `out[n] =`: a tensor named "__proto__" must stay an own entry.
    r.names.forEach((n, i) => {
      Object.defineProperty(out, n, { value: ctx.wrap(r.tensors[i]), enumerable: true, writable: true, configurable: true });
    });
    const metadata = Object.fromEntries(r.metadataKeys.map((k, i) => [k, r.metadataValues[i]]));
    Object.defineProperty(out, '__metadata__', { value: metadata, enumerable: false });
    return out;
  }

  /**
   * Pretrained vectors from GloVe text ("word v1 ... vd" per line) or word2vec's text format
   * (a "count dim" header first). Options: header 'auto' | 'present' | 'absent', duplicates
   * 'error' | 'keepFirst', allowNonfinite, maxLineLength, maxVocab, maxDim. Returns
   * {vocab: Map word -> row, indexToWord: [...], vectors: Tensor [V, d], hadHeader}.
   */
  function readEmbeddingsText(text, opts) {
    if (typeof text !== 'string') {
      if (!(text instanceof Uint8Array || text instanceof ArrayBuffer)) throw typeError(`readEmbeddingsText(): text must be a string or bytes, got ${describe(text)}`);
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(text);
      } catch {
        throw new ctx.errors.ValueError('readEmbeddingsText(): the bytes are not valid UTF-8');
      }
    }
    // Kinds only: the defaults (1 MiB lines, 4M words, 10,000 dims) and the value checks are
    // C++'s (EmbeddingTextOptions in core/serialize/embeddings_text.h).
    const json = ctx.nn.optionsJson(opts, 'readEmbeddingsText()', {
      header: 'str', duplicates: 'str', allowNonfinite: 'bool', maxLineLength: 'int', maxVocab: 'int', maxDim: 'int',
    });
    const r = ctx.call(raw.serializeReadEmbeddingsText, text, json);
    const indexToWord = Array.from(r.indexToWord);
    return { vocab: new Map(indexToWord.map((w, i) => [w, i])), indexToWord, vectors: ctx.wrap(r.vectors), hadHeader: r.hadHeader };
  }

  Object.assign(kd, { saveSafetensors, loadSafetensors, readEmbeddingsText });
}
