export * from './database';
export * from './audit';
export * from './studies';
export * from './raters';
export * from './annotations';
export * from './reviews';
export * from './runs';
export * from './segments';
