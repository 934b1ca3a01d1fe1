import * as ts from 'typescript';

/** What a piece of code reads from outside itself. */
export interface OutsideReferences {
  /** Names used but not declared inside, in order of first use. */
  names: string[];
  usesThis: boolean;
  /** `import(...)` */
  importsDynamically: boolean;
}

/**
 * ECMAScript's own globals, which a script tool's sandbox has (docs/resources.md, Scripts).
 * `Intl`, `console`, timers, `fetch`, `require` and `process` are not among them.
 */
export const SCRIPT_GLOBALS: ReadonlySet<string> = new Set([
  'undefined', 'NaN', 'Infinity', 'arguments',
  'Object', 'Array', 'String', 'Number', 'Boolean', 'Symbol', 'BigInt', 'Math', 'JSON', 'Date', 'RegExp',
  'Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry', 'Promise', 'Proxy', 'Reflect',
  'Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError', 'AggregateError',
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Atomics',
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array',
  'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
  'parseInt', 'parseFloat', 'isNaN', 'isFinite', 'encodeURIComponent', 'decodeURIComponent', 'encodeURI', 'decodeURI',
  'escape', 'unescape', 'eval', 'Function',
]);

/** Names `node` declares anywhere inside it (parameters, variables, functions, classes, catch bindings). */
export function declaredNames(node: ts.Node): Set<string> {
  const names = new Set<string>();
  const addBinding = (binding: ts.BindingName) => {
    if (ts.isIdentifier(binding)) names.add(binding.text);
    else for (const element of binding.elements) if (!ts.isOmittedExpression(element)) addBinding(element.name);
  };
  const visit = (current: ts.Node) => {
    if (ts.isParameter(current) || ts.isVariableDeclaration(current) || ts.isBindingElement(current)) addBinding(current.name);
    else if ((ts.isFunctionDeclaration(current) || ts.isFunctionExpression(current) || ts.isClassDeclaration(current) || ts.isClassExpression(current)) && current.name) {
      names.add(current.name.text);
    }
    if (!isTypeOnly(current)) ts.forEachChild(current, visit);
  };
  visit(node);
  return names;
}

/** Every identifier `node` reads as a value (not property names, labels, declarations or types), in order. */
export function referencedNames(node: ts.Node): Array<{ name: string; at: ts.Identifier }> {
  const references: Array<{ name: string; at: ts.Identifier }> = [];
  const visit = (current: ts.Node) => {
    if (ts.isIdentifier(current) && isValueReference(current)) references.push({ name: current.text, at: current });
    if (!isTypeOnly(current)) ts.forEachChild(current, visit);
  };
  visit(node);
  return references;
}

/** What `node` (a function, a statement, an expression) uses that it does not declare. */
export function outsideReferences(node: ts.Node): OutsideReferences {
  const declared = declaredNames(node);
  const names: string[] = [];
  for (const { name } of referencedNames(node)) if (!declared.has(name) && !names.includes(name)) names.push(name);
  let usesThis = false;
  let importsDynamically = false;
  const visit = (current: ts.Node) => {
    if (current.kind === ts.SyntaxKind.ThisKeyword) usesThis = true;
    if (ts.isCallExpression(current) && current.expression.kind === ts.SyntaxKind.ImportKeyword) importsDynamically = true;
    // A nested non-arrow function has its own `this`.
    if (ts.isFunctionDeclaration(current) || ts.isFunctionExpression(current) || ts.isClassLike(current)) return;
    if (!isTypeOnly(current)) ts.forEachChild(current, visit);
  };
  ts.forEachChild(node, visit);
  return { names, usesThis, importsDynamically };
}

function isTypeOnly(node: ts.Node): boolean {
  return (
    ts.isTypeNode(node) ||
    ts.isTypeParameterDeclaration(node) ||
    ts.isInterfaceDeclaration(node) ||
    ts.isTypeAliasDeclaration(node) ||
    (ts.isHeritageClause(node) && node.token === ts.SyntaxKind.ImplementsKeyword)
  );
}

function isValueReference(identifier: ts.Identifier): boolean {
  const parent = identifier.parent;
  if (!parent) return true;
  if (ts.isPropertyAccessExpression(parent) || ts.isPropertyAccessChain(parent)) return parent.expression === identifier;
  if (ts.isQualifiedName(parent) || ts.isMetaProperty(parent)) return false;
  if (ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent) || ts.isMethodDeclaration(parent) || ts.isGetAccessor(parent) || ts.isSetAccessor(parent)) {
    return parent.name !== identifier;
  }
  if (ts.isBindingElement(parent)) return parent.initializer === identifier;
  if (ts.isVariableDeclaration(parent) || ts.isParameter(parent)) return parent.initializer === identifier;
  if (ts.isFunctionDeclaration(parent) || ts.isFunctionExpression(parent) || ts.isClassDeclaration(parent) || ts.isClassExpression(parent)) return false;
  if (ts.isLabeledStatement(parent) || ts.isBreakStatement(parent) || ts.isContinueStatement(parent)) return false;
  if (ts.isEnumMember(parent) || ts.isPropertySignature(parent) || ts.isMethodSignature(parent)) return false;
  if (ts.isImportSpecifier(parent) || ts.isImportClause(parent) || ts.isNamespaceImport(parent) || ts.isExportSpecifier(parent)) return false;
  if (ts.isJsxAttribute(parent)) return false;
  return true;
}
