// ONNX Runtime's CPU speed on one model, for bench/engine_vs_ort: the npm package onnxruntime-node (its own
// libonnxruntime), all graph optimisations, sequential execution, THREADS intra-op threads, a fixed random
// input at BATCH. Warms up, then times windows of about SECONDS / 5 and prints the median images/s.
//   node bench/ort_speed.js MODEL.onnx BATCH SECONDS THREADS   (NODE_PATH: where onnxruntime-node is)
'use strict';
const ort = require('onnxruntime-node');

async function main() {
  const [model, batchText, secondsText, threadsText] = process.argv.slice(2);
  if (!model) throw new Error('usage: node ort_speed.js MODEL.onnx BATCH SECONDS THREADS');
  const batch = Number(batchText || 1), seconds = Number(secondsText || 6), threads = Number(threadsText || 2);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const name = session.inputNames[0];
  const meta = session.inputMetadata ? session.inputMetadata[0] : null;
  // The input's shape with the batch dimension set: from the graph's metadata, else a 224 x 224 image.
  let dims = meta && meta.shape ? meta.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1)) : [1, 3, 224, 224];
  dims[0] = batch;
  const size = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  let seed = 12345;
  for (let i = 0; i < size; ++i) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    data[i] = (seed / 4294967296) * 2 - 1;
  }
  const feeds = {[name]: new ort.Tensor('float32', data, dims)};
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
    rates.push((runs * batch * 1000) / elapsed);
  }
  rates.sort((a, b) => a - b);
  console.log(`${rates[2].toFixed(1)} images/s (${dims.join('x')}, onnxruntime-node ${require('onnxruntime-node/package.json').version})`);
}

main().catch((e) => {
  console.error(String(e && e.message ? e.message : e));
  process.exit(1);
});
