export type { QoverySettings } from './blueprint';
export {
  type CallOptions,
  createQoveryClient,
  isQoveryError,
  type QoveryClient,
  type QoveryClientOptions,
  QoveryError,
  type QoveryErrorKind,
  toAppError,
} from './client';
export {
  createInstances,
  type Instances,
  type InstancesOptions,
  type ProjectStatus,
  type ProvisionedInstance,
  projectStatusOf,
  ROUND_TRIPS,
} from './instances';
