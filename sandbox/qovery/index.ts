export * from './contract';
export * from './standin';
export * from './violations';
