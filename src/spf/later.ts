// Values that are there now or come later: the evaluator's steps return the answer itself when
// DNS answered from the cache, and a promise only when a server had to be asked. A warm check
// so runs without allocating a promise per step. Contract: then() calls `next` exactly once,
// synchronously when the value is already there; a rejection passes through untouched.

export type Later<T> = T | Promise<T>;

export function then<T, U>(value: Later<T>, next: (value: T) => Later<U>): Later<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}
