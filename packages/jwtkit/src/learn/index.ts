/**
 * `jwtkit/learn`: the first-token lesson and the attack lab's cards, as data (issue 21). Browser-safe:
 * the page's Learn tab and `jwtkit learn` render the same texts from here.
 */
export * from './lab.js';
export * from './lesson.js';
