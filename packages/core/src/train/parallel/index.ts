export {
  type ExchangeBuffers,
  type ExchangeLayout,
  GradientExchange,
  type HostGradients,
  type ReducedGradients,
} from './gradient-exchange.js';
