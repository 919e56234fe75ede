// ONNX Runtime's CPU speed on one model, for bench/engine_vs_ort and bench/lm_vs_ort: the npm package
// onnxruntime-node (its own libonnxruntime), all graph optimisations, sequential execution, THREADS intra-op
// threads, a fixed random input at BATCH. Warms up, then times windows of about SECONDS / 5 and prints the
// median images/s; for a model with an int64 input (token ids), the median tokens/s, with SEQ (default 128)
// for the sequence dimension where it is symbolic and ids drawn below VOCAB (default: the last dim of the
// output, when the graph declares it; else 1000).
//   node bench/ort_speed.js MODEL.onnx BATCH SECONDS THREADS [SEQ] [VOCAB]   (NODE_PATH: onnxruntime-node)
'use strict';
const ort = require('onnxruntime-node');

async function main() {
  const [model, batchText, secondsText, threadsText, seqText, vocabText] = process.argv.slice(2);
  if (!model) throw new Error('usage: node ort_speed.js MODEL.onnx BATCH SECONDS THREADS [SEQ] [VOCAB]');
  const batch = Number(batchText || 1), seconds = Number(secondsText || 6), threads = Number(threadsText || 2);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // ORT_NO_SPIN=1: idle intra-op threads block instead of spinning (ORT's session.intra_op.allow_spinning).
    ...(process.env.ORT_NO_SPIN === '1' ? {extra: {session: {intra_op: {allow_spinning: '0'}}}} : {}),
  });
  const name = session.inputNames[0];
  const meta = session.inputMetadata ? session.inputMetadata[0] : null;
  const ids = meta && meta.type === 'int64';
  // The input's shape with the batch dimension set: from the graph's metadata, else a 224 x 224 image. Token
  // ids: a symbolic sequence dimension is SEQ.
  const seq = Number(seqText || 128);
  let dims = meta && meta.shape ? meta.shape.map((d) => (typeof d === 'number' && d > 0 ? d : ids ? seq : 1))
                                : [1, 3, 224, 224];
  dims[0] = batch;
  const size = dims.reduce((a, b) => a * b, 1);
  let seed = 12345;
  const next = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 4294967296;
  };
  let feeds;
  if (ids) {
    const outMeta = session.outputMetadata ? session.outputMetadata[0] : null;
    const declared = outMeta && outMeta.shape ? outMeta.shape[outMeta.shape.length - 1] : null;
    const vocab = Number(vocabText || (typeof declared === 'number' && declared > 0 ? declared : 1000));
    const data = new BigInt64Array(size);
    for (let i = 0; i < size; ++i) data[i] = BigInt(Math.floor(next() * vocab));
    feeds = {[name]: new ort.Tensor('int64', data, dims)};
  } else {
    const data = new Float32Array(size);
    for (let i = 0; i < size; ++i) data[i] = next() * 2 - 1;
    feeds = {[name]: new ort.Tensor('float32', data, dims)};
  }
  const warmEnd = Date.now() + Math.min(2000, seconds * 200);
  do await session.run(feeds); while (Date.now() < warmEnd);
  const rates = [];
  const window = (seconds * 1000) / 5;
  for (let w = 0; w < 5; ++w) {
    const start = process.hrtime.bigint();
    let runs = 0;
    let elapsed = 0;
    do {
      await session.run(feeds);
      ++runs;
      elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    } while (elapsed < window);
    rates.push((runs * (ids ? size : batch) * 1000) / elapsed);
  }
  rates.sort((a, b) => a - b);
  console.log(`${rates[2].toFixed(1)} ${ids ? 'tokens' : 'images'}/s (${dims.join('x')}, onnxruntime-node ${require('onnxruntime-node/package.json').version})`);
}

main().catch((e) => {
  console.error(String(e && e.message ? e.message : e));
  process.exit(1);
});
