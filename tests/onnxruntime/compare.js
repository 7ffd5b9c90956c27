// Runs an ONNX file in ONNX Runtime on the network input `reshare run --outputs` recorded and compares ONNX
// Runtime's output with reshare's float reference: cosine, largest difference, and the top-1 class where the network
// classifies (the file then ends in a Softmax, which reshare leaves to the host: compared after a softmax of ours).
// Usage: node compare.js MODEL.onnx OUTPUTS.json ORT_DIR   (exit 1 when they disagree)
const [model, outputsFile, ortDir] = process.argv.slice(2);
const ort = require(require('path').resolve(ortDir, 'node_modules', 'onnxruntime-node'));
const o = JSON.parse(require('fs').readFileSync(outputsFile, 'utf8'));
const {agree} = require('../agreement.js');

(async () => {
  const [h, w, c] = o.input_shape;
  const nchw = new Float32Array(h * w * c);   // the recorded input is NHWC, ONNX's is NCHW
  for (let y = 0; y < h; ++y)
    for (let x = 0; x < w; ++x)
      for (let k = 0; k < c; ++k) nchw[(k * h + y) * w + x] = o.network_input[(y * w + x) * c + k];
  const session = await ort.InferenceSession.create(model);
  const feeds = {[session.inputNames[0]]: new ort.Tensor('float32', nchw, [1, c, h, w])};
  const got = Array.from((await session.run(feeds))[session.outputNames[0]].data);
  let ours = o.float_reference;   // NHWC; a 1x1xC output is the same in both layouts
  const [oh, ow, oc] = o.output_shape;
  if (oh * ow > 1) {
    const t = new Array(ours.length);
    for (let y = 0; y < oh; ++y) for (let x = 0; x < ow; ++x) for (let k = 0; k < oc; ++k) t[(k * oh + y) * ow + x] = ours[(y * ow + x) * oc + k];
    ours = t;
  }
  process.exit(agree(o.model, got, ours, Boolean(o.top5)) ? 0 : 1);
})().catch(e => { console.log(String(e)); process.exit(1); });
