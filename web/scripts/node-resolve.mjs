// The unit tests run the app's modules under Node (package.json's test:unit, node --import this).
// The sources import each other without an extension ('./chat'), as Vite and the typecheck want,
// where Node's ES modules want the file's name ('./chat.js'): this resolve hook adds it.
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

/** A relative import without an extension is the compiled .js file of that name. */
export async function resolve(specifier, context, next) {
  const relative = specifier.startsWith('./') || specifier.startsWith('../');
  if (relative && !/\.(m?js|json)$/u.test(specifier)) return next(`${specifier}.js`, context);
  return next(specifier, context);
}

// loaded by --import on the main thread: the hooks themselves run on their own thread
if (isMainThread) register(import.meta.url);
