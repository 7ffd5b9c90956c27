// Runs a TF.js layers model (model.json + shards) in TF.js on the network input `reshare run --outputs` recorded and
// compares its output with reshare's float reference: cosine, largest difference, top-1 (a final softmax is the
// host's in reshare: compared after a softmax of ours).
// Usage: node compare.js MODEL.json OUTPUTS.json TFJS_DIR   (exit 1 when they disagree)
const [modelFile, outputsFile, dir] = process.argv.slice(2);
const path = require('path'), fs = require('fs');
const {tf, tfl} = require('./tf.js')(dir);
const {agree} = require('../agreement.js');

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
  process.exit(agree(modelFile, got, o.float_reference, Boolean(o.top5)) ? 0 : 1);
})().catch(e => { console.log(String(e.stack || e)); process.exit(1); });
