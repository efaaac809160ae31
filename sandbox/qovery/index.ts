export * from './standin';
