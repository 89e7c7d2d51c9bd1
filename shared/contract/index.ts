export * from './dispatcher';
export * from './errors';
export * from './events';
export * from './methods';
export * from './review';
export * from './schemas';
export * from './settings';
export * from './sync';
