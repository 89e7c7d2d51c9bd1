/** Task-generation rules for head office: pure functions, no I/O and no clock (`now` is a parameter). */
export * from './calendar';
export * from './config';
export * from './deadlines';
export * from './feeds';
export * from './generate';
export * from './recusal';
export * from './retention';
export * from './sampling';
