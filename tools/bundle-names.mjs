// esbuild's keepNames (tools/bundle.mjs) gives every function and class its source name back with
// a call of its __name helper, `__name(fn, "name")`, an Object.defineProperty that turns the
// function into a dictionary-mode object. For a module's own functions and classes that runs once;
// for a function made inside another function (a closure, a callback, a decorator's inner
// function) it runs every time the outer one runs: 6,566 calls before a boot's Kafka listeners
// bind, most of them Nest's and class-validator's closures (`get`, `decorator`, `loadEnhancer`,
// `callback`, `resolveParam`, ...), some 1,500 call sites in the bundle.
// withoutNestedNames keeps the call for every class (Nest names providers after their classes)
// and for every function a module defines at its top level, and drops it for the other functions
// made inside a function: those show their minified name in a stack trace (their file position
// is still there); nothing in the broker or its packages reads such a function's name (Nest reads
// the names of classes and of methods, which keep theirs: a method is named by its key). It also
// drops the calls the language makes needless: an anonymous function given as the value of a
// property or class field of the same name gets that name from its key (rxjs's 291 re-export
// getters `get`, Nest's injector's fields).
// A module's top level is the bundle's own function, or the function handed to esbuild's
// __esm or __commonJS wrapper. Each dropped call keeps its length (`__name(` and `, "name")` become
// spaces around parentheses), so the source map (BLINK_BUNDLE_SOURCEMAP=1) still lines up.
// bench/README.md (boot17) has what it saved; test/unit/tools/bundle-names.test.ts what it keeps.
import { createRequire } from 'node:module';

const ts = createRequire(import.meta.url)('typescript');

/** esbuild's helpers, as its minified output writes them: the name of each. */
const HELPERS = {
  name: /var ([\w$]+)=\(([\w$]+),([\w$]+)\)=>[\w$]+\(\2,"name",\{value:\3,configurable:!0\}\)/g,
  esm: /var ([\w$]+)=\(([\w$]+),([\w$]+),([\w$]+)\)=>\(\)=>\{if\(\4\)throw \4\[0\];try\{return \2&&\(\3=\2\(\2=0\)\),\3\}/g,
  commonJs: /var ([\w$]+)=\(([\w$]+),([\w$]+)\)=>\(\)=>\{try\{return \3\|\|\2\(\(\3=\{exports:\{\}\}\)\.exports,\3\),\3\.exports\}/g,
};

/** The one name esbuild gave a helper; throws when the bundle has none or several (esbuild changed its output). */
function helperName(text, kind) {
  const found = [...text.matchAll(HELPERS[kind])];
  if (found.length !== 1) throw new Error(`esbuild's ${kind} helper found ${found.length} times in the bundle (expected once): check tools/bundle-names.mjs`);
  return found[0][1];
}

const isFunctionLike = (node) =>
  ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isArrowFunction(node) || ts.isMethodDeclaration(node) || ts.isConstructorDeclaration(node) || ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node);

/**
 * The bundle's text with esbuild's __name calls dropped for functions made inside functions
 * (see above), and how many calls were kept and dropped.
 */
export function withoutNestedNames(text) {
  const name = helperName(text, 'name');
  const wrappers = new Set([helperName(text, 'esm'), helperName(text, 'commonJs')]);
  const source = ts.createSourceFile('bundle.js', text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);

  /** Whether `fn` is a module's top level: the bundle's function, or the one given to __esm or __commonJS. */
  const topLevel = (fn) => {
    const parent = fn.parent;
    if (ts.isParenthesizedExpression(parent) && ts.isExpressionStatement(parent.parent) && parent.parent.parent === source) return true;
    return ts.isCallExpression(parent) && ts.isIdentifier(parent.expression) && wrappers.has(parent.expression.text) && parent.arguments[0] === fn;
  };
  /** Whether the call runs at a module's top level (a class's static block counts as where the class is). */
  const atTopLevel = (node) => {
    for (let at = node.parent; at !== undefined; at = at.parent) if (isFunctionLike(at)) return topLevel(at);
    return true;
  };
  /** Whether `identifier` names a class declared beside the statement that holds `call`. */
  const namesClass = (identifier, call) => {
    let statement = call;
    while (statement.parent !== undefined && !ts.isBlock(statement.parent) && !ts.isSourceFile(statement.parent) && !ts.isCaseClause(statement.parent) && !ts.isDefaultClause(statement.parent)) statement = statement.parent;
    return (statement.parent?.statements ?? []).some(
      (sibling) =>
        (ts.isClassDeclaration(sibling) && sibling.name?.text === identifier.text) ||
        (ts.isVariableStatement(sibling) && sibling.declarationList.declarations.some((d) => ts.isIdentifier(d.name) && d.name.text === identifier.text && d.initializer !== undefined && ts.isClassExpression(d.initializer))),
    );
  };
  const isClass = (target, call) => target.kind === ts.SyntaxKind.ThisKeyword || ts.isClassExpression(target) || (ts.isIdentifier(target) && namesClass(target, call));
  /**
   * Whether the language gives `target` that name anyway: an anonymous function as the value of a
   * property or a class field of that name (`{ get: function () {} }`, `handler = () => {}`), whose
   * keys are not minified. rxjs's re-exports (`get`), Nest's injector fields, ...
   */
  const namedByKey = (target, call, wanted) => {
    if (!ts.isArrowFunction(target) && !(ts.isFunctionExpression(target) && target.name === undefined)) return false;
    const holder = call.parent;
    if (!(ts.isPropertyAssignment(holder) || ts.isPropertyDeclaration(holder)) || holder.initializer !== call) return false;
    return (ts.isIdentifier(holder.name) || ts.isStringLiteral(holder.name)) && holder.name.text === wanted;
  };

  const edits = [];
  let kept = 0;
  const visit = (node) => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === name && node.arguments.length === 2) {
      const [target, wanted] = node.arguments;
      const implied = ts.isStringLiteral(wanted) && namedByKey(target, node, wanted.text);
      if (!implied && (isClass(target, node) || atTopLevel(node))) kept++;
      else {
        // `name(target, "x")` → ` (target        )`: the same value, the same length.
        const start = node.getStart(source);
        const targetStart = target.getStart(source);
        const targetEnd = target.getEnd();
        edits.push([start, targetStart, `${' '.repeat(targetStart - start - 1)}(`], [targetEnd, node.getEnd(), `)${' '.repeat(node.getEnd() - targetEnd - 1)}`]);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  edits.sort((a, b) => a[0] - b[0]);
  const parts = [];
  let at = 0;
  for (const [start, end, replacement] of edits) {
    parts.push(text.slice(at, start), replacement);
    at = end;
  }
  parts.push(text.slice(at));
  return { text: parts.join(''), kept, dropped: edits.length / 2 };
}
