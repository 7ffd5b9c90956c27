// Runs a TF.js layers model (model.json + shards) in TF.js on the network input `reshare run --outputs` recorded and
// compares its output with reshare's float reference: cosine, largest difference, top-1 (a final softmax is the
// host's in reshare: compared after a softmax of ours).
// Usage: node compare.js MODEL.json OUTPUTS.json TFJS_DIR   (exit 1 when they disagree)
const [modelFile, outputsFile, dir] = process.argv.slice(2);
const path = require('path'), fs = require('fs');
const req = m => require(path.join(dir, 'node_modules', m));
const tf = req('@tensorflow/tfjs-core');
req('@tensorflow/tfjs-backend-cpu');
const tfl = req('@tensorflow/tfjs-layers');

(async () => {
  await tf.setBackend('cpu');
  const json = JSON.parse(fs.readFileSync(modelFile, 'utf8'));
  const specs = [], buffers = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) buffers.push(fs.readFileSync(path.join(path.dirname(modelFile), p)));
  }
  const data = Buffer.concat(buffers);
  const model = await tfl.loadLayersModel(tf.io.fromMemory({modelTopology: json.modelTopology, weightSpecs: specs,
      weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)}));
  const o = JSON.parse(fs.readFileSync(outputsFile, 'utf8'));
  const got = Array.from(model.predict(tf.tensor(o.network_input, [1, ...o.input_shape])).dataSync());
  let ours = o.float_reference;
  if (o.top5) {
    const m = Math.max(...ours), e = ours.map(v => Math.exp(v - m)), s = e.reduce((a, b) => a + b, 0);
    ours = e.map(v => v / s);
  }
  if (got.length !== ours.length) { console.log(`sizes differ: tfjs ${got.length}, reshare ${ours.length}`); process.exit(1); }
  let dot = 0, na = 0, nb = 0, diff = 0, scale = 0;
  for (let i = 0; i < got.length; ++i) {
    dot += got[i] * ours[i], na += got[i] * got[i], nb += ours[i] * ours[i];
    diff = Math.max(diff, Math.abs(got[i] - ours[i])), scale = Math.max(scale, Math.abs(ours[i]));
  }
  const cosine = dot / Math.sqrt(na * nb), argmax = a => a.indexOf(Math.max(...a));
  console.log(`${modelFile}: ${got.length} outputs, cosine ${cosine.toFixed(9)}, largest difference ${diff.toExponential(3)} ` +
              `(of ${scale.toExponential(3)}), top-1 tfjs ${argmax(got)}, reshare ${argmax(ours)}`);
  process.exit(cosine > 0.99999 && diff <= 1e-3 * scale && argmax(got) === argmax(ours) ? 0 : 1);
})().catch(e => { console.log(String(e.stack || e)); process.exit(1); });
