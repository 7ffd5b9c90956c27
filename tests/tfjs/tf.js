// TF.js from the folder scripts/fetch-executors.sh fills (pure JavaScript, CPU backend).
const path = require('path');
module.exports = dir => {
  const req = m => require(path.resolve(dir, 'node_modules', m));
  const tf = req('@tensorflow/tfjs-core');
  req('@tensorflow/tfjs-backend-cpu');
  return {tf, tfl: req('@tensorflow/tfjs-layers')};
};
