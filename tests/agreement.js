// How another framework's output is set beside reshare's float reference, shared by the ONNX Runtime and TF.js
// checks: cosine, largest difference, top-1; a classifier's reference goes through a softmax first (reshare leaves it
// to the host, the other framework's file ends in one). Prints one line; returns whether they agree.
function softmax(v) {
  const m = Math.max(...v), e = v.map(x => Math.exp(x - m)), s = e.reduce((a, b) => a + b, 0);
  return e.map(x => x / s);
}

function agree(label, got, reference, classifies) {
  const ours = classifies ? softmax(reference) : reference;
  if (got.length !== ours.length) {
    console.log(`${label}: sizes differ: ${got.length} against reshare's ${ours.length}`);
    return false;
  }
  let dot = 0, na = 0, nb = 0, diff = 0, scale = 0;
  for (let i = 0; i < got.length; ++i) {
    dot += got[i] * ours[i], na += got[i] * got[i], nb += ours[i] * ours[i];
    diff = Math.max(diff, Math.abs(got[i] - ours[i])), scale = Math.max(scale, Math.abs(ours[i]));
  }
  const cosine = dot / Math.sqrt(na * nb), argmax = a => a.indexOf(Math.max(...a));
  const top1 = classifies ? `, top-1 ${argmax(got)} against reshare's ${argmax(ours)}` : '';
  console.log(`${label}: ${got.length} outputs, cosine ${cosine.toFixed(9)}, largest difference ${diff.toExponential(3)} ` +
              `(of ${scale.toExponential(3)})${top1}`);
  return cosine > 0.99999 && diff <= 1e-3 * scale && (!classifies || argmax(got) === argmax(ours));
}

module.exports = {agree};
