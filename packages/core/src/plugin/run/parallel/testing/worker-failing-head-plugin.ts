import { isMainThread } from 'node:worker_threads';
import type * as tf from '@tensorflow/tfjs';
import { ContainerModule } from 'inversify';
import { definePlugin } from '../../../domain-plugin.js';
import { Head } from '../../../head.js';
import { toyHead } from '../../../testing/toy-plugin.js';

/**
 * The toy head as `toy-fail/classify`: it trains like the toy head on the main thread and throws
 * in a worker thread, which is how the data-parallel tests make a replica fail mid-step.
 */
const head: Head<unknown, tf.Tensor> = {
  ...toyHead,
  id: 'toy-fail/classify',
  loss: (logits, batch, context) => {
    if (!isMainThread) throw new Error('toy-fail: this head refuses to run in a worker');
    return toyHead.loss(logits, batch, context);
  },
};

/** A test plugin contributing only that head (load it as a module file, next to the toy plugin). */
export default definePlugin({
  id: 'toy-fail',
  version: '0.0.1',
  domain: 'toy',
  description: 'test plugin: a head that fails in worker threads',
  module: new ContainerModule(({ bind }) => {
    bind(Head).toConstantValue(head);
  }),
});
