import { definePlacement, type Placement } from '@peftkit/core';
import type { ResNetConfig } from './config.js';

/** Paths of a ResNet's convolutions, norms and last convs per block, from its config. */
export function resnetPaths(c: ResNetConfig): { conv: string[]; norm: string[]; blockOut: string[] } {
  const conv = ['conv1'];
  const norm = ['bn1'];
  const blockOut: string[] = [];
  const convs = c.block === 'bottleneck' ? 3 : 2;
  let inC = c.width;
  c.layers.forEach((n, k) => {
    const out = c.width * 2 ** k * (c.block === 'bottleneck' ? 4 : 1);
    for (let i = 0; i < n; i++) {
      const p = `layer${k + 1}.${i}`;
      for (let j = 1; j <= convs; j++) {
        conv.push(`${p}.conv${j}`);
        norm.push(`${p}.bn${j}`);
      }
      blockOut.push(`${p}.conv${convs}`);
      if (i === 0 && (k > 0 || inC !== out)) {
        conv.push(`${p}.downsample.0`);
        norm.push(`${p}.downsample.1`);
      }
      inC = out;
    }
  });
  return { conv, norm, blockOut };
}

/**
 * Roles of a ResNet: `conv` (every convolution, including downsample convs), `norm` (every
 * BatchNorm), `block.ffn` (the last conv of each residual block, where a bottleneck adapter
 * goes) and `head` (`fc`, when the model has one). `prefix` roots the paths under a parent.
 */
export function resnetPlacement(c: ResNetConfig, prefix = ''): Placement {
  const p = (s: string) => (prefix ? `${prefix}.${s}` : s);
  const paths = resnetPaths(c);
  return definePlacement({
    architecture: 'resnet',
    modelRoles: {
      conv: paths.conv.map(p),
      norm: paths.norm.map(p),
      'block.ffn': paths.blockOut.map(p),
      ...(c.num_classes > 0 ? { head: p('fc') } : {}),
    },
  });
}
