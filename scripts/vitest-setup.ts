import * as tf from '@tensorflow/tfjs';

// Tests pin the cpu backend on purpose; its "install tfjs-node" banner would repeat once per file.
tf.env().set('IS_TEST', true);
