// Runs an ONNX file in ONNX Runtime on the network input `reshare run --outputs` recorded and compares ONNX
// Runtime's output with reshare's float reference: cosine, largest difference, and the top-1 class where the network
// classifies (the file then ends in a Softmax, which reshare leaves to the host: compared after a softmax of ours).
// Usage: node compare.js MODEL.onnx OUTPUTS.json ORT_DIR   (exit 1 when they disagree)
const [model, outputsFile, ortDir] = process.argv.slice(2);
const ort = require(require('path').join(ortDir, 'node_modules', 'onnxruntime-node'));
const o = JSON.parse(require('fs').readFileSync(outputsFile, 'utf8'));

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
  if (o.top5) {
    const m = Math.max(...ours), e = ours.map(v => Math.exp(v - m)), s = e.reduce((a, b) => a + b, 0);
    ours = e.map(v => v / s);
  }
  if (got.length !== ours.length) { console.log(`sizes differ: onnxruntime ${got.length}, reshare ${ours.length}`); process.exit(1); }
  let dot = 0, na = 0, nb = 0, diff = 0, scale = 0;
  for (let i = 0; i < got.length; ++i) {
    dot += got[i] * ours[i], na += got[i] * got[i], nb += ours[i] * ours[i];
    diff = Math.max(diff, Math.abs(got[i] - ours[i])), scale = Math.max(scale, Math.abs(ours[i]));
  }
  const cosine = dot / Math.sqrt(na * nb), argmax = a => a.indexOf(Math.max(...a));
  const top1 = o.top5 ? ` top-1 onnxruntime ${argmax(got)}, reshare ${argmax(ours)}` : '';
  console.log(`${o.model}: ${got.length} outputs, cosine ${cosine.toFixed(9)}, largest difference ${diff.toExponential(3)} (of ${scale.toExponential(3)})${top1}`);
  const ok = cosine > 0.99999 && diff <= 1e-3 * scale && (!o.top5 || argmax(got) === argmax(ours));
  process.exit(ok ? 0 : 1);
})().catch(e => { console.log(String(e)); process.exit(1); });
