// Builds a small Keras functional model in TF.js itself - conv + batch norm + ReLU6, zero padding, a strided
// depthwise conv, a separable conv, an add, a concat, average and max pooling, global average pooling, dense +
// softmax - gives every weight seeded values, and saves it as TF.js saves layers models (model.json and a shard):
// a file written by TF.js, not by us, for the Keras importer (tests/tfjs/run.sh).
// Usage: node make_model.js OUT_DIR TFJS_DIR
const [out, dir] = process.argv.slice(2);
const path = require('path'), fs = require('fs');
const {tf, tfl} = require('./tf.js')(dir);

(async () => {
  await tf.setBackend('cpu');
  const L = tfl.layers;
  const x = tfl.input({shape: [32, 32, 3], name: 'image'});
  let y = L.conv2d({filters: 8, kernelSize: 3, strides: 2, padding: 'same', name: 'stem'}).apply(x);
  y = L.batchNormalization({name: 'stem_bn'}).apply(y);
  y = L.reLU({maxValue: 6, name: 'stem_relu6'}).apply(y);
  let a = L.zeroPadding2d({padding: [[1, 1], [1, 1]], name: 'pad'}).apply(y);
  a = L.depthwiseConv2d({kernelSize: 3, depthMultiplier: 1, padding: 'valid', name: 'dw', useBias: true}).apply(a);
  a = L.activation({activation: 'relu', name: 'dw_relu'}).apply(a);
  const b = L.separableConv2d({filters: 8, kernelSize: 3, padding: 'same', name: 'sep', activation: 'relu'}).apply(y);
  let z = L.add({name: 'sum'}).apply([a, b]);
  const p1 = L.maxPooling2d({poolSize: 3, strides: 2, padding: 'same', name: 'maxpool'}).apply(z);
  const p2 = L.averagePooling2d({poolSize: 2, strides: 2, padding: 'valid', name: 'avgpool'}).apply(z);
  z = L.concatenate({name: 'cat'}).apply([p1, p2]);
  z = L.conv2d({filters: 16, kernelSize: 1, activation: 'relu', name: 'expand'}).apply(z);
  z = L.globalAveragePooling2d({name: 'gap'}).apply(z);
  z = L.dropout({rate: 0.2, name: 'drop'}).apply(z);
  z = L.dense({units: 10, activation: 'softmax', name: 'classes'}).apply(z);
  const model = tfl.model({inputs: x, outputs: z, name: 'tfjs_check'});
  let seed = 1;
  const names = model.weights.map(v => v.originalName || v.name);
  model.setWeights(model.getWeights().map((w, k) => {
    const n = w.size, v = new Float32Array(n), s = seed++;
    const variance = names[k].includes('moving_variance');   // a variance must be positive
    for (let i = 0; i < n; ++i) v[i] = variance ? 1 + 0.5 * Math.abs(Math.sin(0.37 * i + s)) : 0.5 * Math.sin(0.37 * i + s);
    return tf.tensor(v, w.shape);
  }));
  fs.mkdirSync(out, {recursive: true});
  await model.save(tf.io.withSaveHandler(async art => {
    fs.writeFileSync(path.join(out, 'weights.bin'), Buffer.from(art.weightData));
    fs.writeFileSync(path.join(out, 'model.json'), JSON.stringify({
      format: 'layers-model', generatedBy: 'TensorFlow.js tfjs-layers v' + tfl.version_layers, modelTopology: art.modelTopology,
      weightsManifest: [{paths: ['weights.bin'], weights: art.weightSpecs}]}));
    return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
  }));
  console.log(`${out}/model.json: ${model.layers.length} layers, ${model.countParams()} weights`);
})().catch(e => { console.log(String(e.stack || e)); process.exit(1); });
