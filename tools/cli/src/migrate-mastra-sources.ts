import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import type { SourceLocation } from './migrate-report';

const SOURCE_FILE = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;
const SKIPPED_FILE = /\.d\.[cm]?ts$|\.(test|spec)\.[cm]?[jt]sx?$/;
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'build', '.mastra', '.git', 'coverage']);
const RESOLVE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];
/** How many names, imports and re-exports one resolution follows before giving up (cycles). */
const MAX_HOPS = 32;

/** What a name stands for where it is used. */
export type NameDeclaration =
  /** `const x = <initializer>` (or `let`/`var`), or `export default <initializer>`. */
  | { kind: 'value'; node: ts.VariableDeclaration | ts.ExportAssignment; initializer: ts.Expression | undefined; constant: boolean }
  | { kind: 'function'; declaration: ts.FunctionDeclaration }
  | { kind: 'class'; declaration: ts.ClassDeclaration }
  /** A parameter or a destructured binding: its value is only known at run time. */
  | { kind: 'binding'; declaration: ts.Node }
  /** An import from a package (or a path outside the project): `module` is its specifier. */
  | { kind: 'external'; module: string; imported: string };

/**
 * The TypeScript and JavaScript files of a Mastra project, parsed (never compiled or run), and
 * the name resolution the analyser needs: a name to its declaration, across relative imports.
 */
export class MastraSources {
  private readonly byPath = new Map<string, ts.SourceFile>();

  private constructor(readonly root: string, files: Array<{ path: string; text: string }>) {
    for (const file of files) {
      const kind = /x$/.test(file.path) ? ts.ScriptKind.TSX : /\.[cm]?js$/.test(file.path) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
      this.byPath.set(file.path, ts.createSourceFile(file.path, file.text, ts.ScriptTarget.Latest, true, kind));
    }
  }

  /** Every source file under `dir`, tests, declarations and build output left out. */
  static fromDirectory(dir: string): MastraSources {
    const root = path.resolve(dir);
    const files: Array<{ path: string; text: string }> = [];
    const walk = (current: string) => {
      for (const entry of fs.readdirSync(current, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        const full = path.join(current, entry.name);
        if (entry.isDirectory()) {
          if (!SKIPPED_DIRS.has(entry.name)) walk(full);
        } else if (SOURCE_FILE.test(entry.name) && !SKIPPED_FILE.test(entry.name)) {
          files.push({ path: full, text: fs.readFileSync(full, 'utf8') });
        }
      }
    };
    walk(root);
    return new MastraSources(root, files);
  }

  /** Sources given as text (paths relative to `root`), for tests. */
  static fromTexts(texts: Record<string, string>, root = '/project'): MastraSources {
    return new MastraSources(
      root,
      Object.entries(texts).map(([file, text]) => ({ path: path.join(root, file), text })),
    );
  }

  get files(): ts.SourceFile[] {
    return [...this.byPath.values()];
  }

  location(node: ts.Node): SourceLocation {
    const file = node.getSourceFile();
    const { line } = file.getLineAndCharacterOfPosition(node.getStart(file));
    return { file: path.relative(this.root, file.fileName) || path.basename(file.fileName), line: line + 1 };
  }

  /**
   * The expression `expression` stands for: through parentheses and type assertions, `const`
   * names, relative imports, re-exports and `namespace.member`. Stops at anything else.
   */
  resolve(expression: ts.Expression): ts.Expression {
    let current = expression;
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      current = unwrap(current);
      let next: ts.Expression | undefined;
      if (ts.isIdentifier(current)) {
        const declaration = this.declarationOf(current.text, current);
        if (declaration?.kind === 'value') next = declaration.initializer;
      } else if (ts.isPropertyAccessExpression(current) && ts.isIdentifier(current.expression)) {
        next = this.namespaceMember(current.expression, current.name.text);
      }
      if (!next) return current;
      current = next;
    }
    return current;
  }

  /** What `name` refers to as seen from `from`: the nearest enclosing declaration, else an import. */
  declarationOf(name: string, from: ts.Node): NameDeclaration | undefined {
    for (let scope: ts.Node | undefined = from; scope; scope = scope.parent) {
      if (ts.isFunctionLike(scope)) {
        for (const parameter of scope.parameters) {
          if (bindsName(parameter.name, name)) return { kind: 'binding', declaration: parameter };
        }
      }
      if (ts.isCatchClause(scope) && scope.variableDeclaration && bindsName(scope.variableDeclaration.name, name)) {
        return { kind: 'binding', declaration: scope.variableDeclaration };
      }
      if ((ts.isForStatement(scope) || ts.isForOfStatement(scope) || ts.isForInStatement(scope)) && scope.initializer && ts.isVariableDeclarationList(scope.initializer)) {
        if (scope.initializer.declarations.some((d) => bindsName(d.name, name))) return { kind: 'binding', declaration: scope.initializer };
      }
      const statements = ts.isSourceFile(scope) || ts.isBlock(scope) || ts.isModuleBlock(scope) || ts.isCaseClause(scope) || ts.isDefaultClause(scope) ? scope.statements : undefined;
      const found = statements && this.declarationIn(statements, name, scope.getSourceFile());
      if (found) return found;
    }
    return undefined;
  }

  private declarationIn(statements: ts.NodeArray<ts.Statement>, name: string, file: ts.SourceFile): NameDeclaration | undefined {
    for (const statement of statements) {
      if (ts.isVariableStatement(statement)) {
        for (const declaration of statement.declarationList.declarations) {
          if (ts.isIdentifier(declaration.name) && declaration.name.text === name) {
            const constant = (statement.declarationList.flags & ts.NodeFlags.Const) !== 0;
            return { kind: 'value', node: declaration, initializer: declaration.initializer, constant };
          }
          if (!ts.isIdentifier(declaration.name) && bindsName(declaration.name, name)) return { kind: 'binding', declaration };
        }
      } else if (ts.isFunctionDeclaration(statement) && statement.name?.text === name) {
        return { kind: 'function', declaration: statement };
      } else if (ts.isClassDeclaration(statement) && statement.name?.text === name) {
        return { kind: 'class', declaration: statement };
      } else if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
        const imported = importedName(statement, name);
        if (imported !== undefined) return this.importTarget(file, statement.moduleSpecifier.text, imported);
      }
    }
    return undefined;
  }

  /** The module an identifier is imported from when it names a package's export (e.g. `@mastra/core/agent`). */
  packageOf(identifier: ts.Identifier): string | undefined {
    const declaration = this.declarationOf(identifier.text, identifier);
    return declaration?.kind === 'external' ? declaration.module : undefined;
  }

  private importTarget(file: ts.SourceFile, specifier: string, imported: string): NameDeclaration | undefined {
    const target = specifier.startsWith('.') ? this.resolveModule(file.fileName, specifier) : undefined;
    if (!target) return { kind: 'external', module: specifier, imported };
    return this.exported(target, imported, 0);
  }

  /** The declaration a module exports under `name` (`default` for the default export). */
  private exported(file: ts.SourceFile, name: string, depth: number): NameDeclaration | undefined {
    if (depth > MAX_HOPS) return undefined;
    for (const statement of file.statements) {
      if (name === 'default' && ts.isExportAssignment(statement)) {
        return { kind: 'value', node: statement, initializer: statement.expression, constant: true };
      }
      if (ts.isExportDeclaration(statement)) {
        const from = statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier) ? statement.moduleSpecifier.text : undefined;
        if (!statement.exportClause && from) {
          const target = from.startsWith('.') ? this.resolveModule(file.fileName, from) : undefined;
          const found = target && this.exported(target, name, depth + 1);
          if (found) return found;
          continue;
        }
        if (statement.exportClause && ts.isNamedExports(statement.exportClause)) {
          const element = statement.exportClause.elements.find((e) => e.name.text === name);
          if (!element) continue;
          const local = (element.propertyName ?? element.name).text;
          if (!from) return this.declarationIn(file.statements, local, file);
          const target = from.startsWith('.') ? this.resolveModule(file.fileName, from) : undefined;
          return target ? this.exported(target, local, depth + 1) : { kind: 'external', module: from, imported: local };
        }
      }
      const exported = ts.canHaveModifiers(statement) && ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
      if (!exported) continue;
      const isDefault = ts.getModifiers(statement as ts.HasModifiers)?.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
      if (name === 'default' && isDefault && (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement))) {
        return ts.isFunctionDeclaration(statement) ? { kind: 'function', declaration: statement } : { kind: 'class', declaration: statement };
      }
      if (name !== 'default') {
        const found = this.declarationIn(ts.factory.createNodeArray([statement]), name, file);
        if (found) return found;
      }
    }
    return undefined;
  }

  private namespaceMember(namespace: ts.Identifier, member: string): ts.Expression | undefined {
    for (let scope: ts.Node | undefined = namespace; scope; scope = scope.parent) {
      if (!ts.isSourceFile(scope)) continue;
      for (const statement of scope.statements) {
        if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
        const bindings = statement.importClause?.namedBindings;
        if (!bindings || !ts.isNamespaceImport(bindings) || bindings.name.text !== namespace.text) continue;
        const target = this.resolveModule(scope.fileName, statement.moduleSpecifier.text);
        const found = target && this.exported(target, member, 0);
        return found?.kind === 'value' ? found.initializer : undefined;
      }
    }
    return undefined;
  }

  private resolveModule(fromFile: string, specifier: string): ts.SourceFile | undefined {
    const base = path.resolve(path.dirname(fromFile), specifier);
    const stripped = base.replace(/\.([cm]?)js$/, '.$1ts');
    const candidates = [base, stripped, ...RESOLVE_EXTENSIONS.map((ext) => base + ext), ...RESOLVE_EXTENSIONS.map((ext) => path.join(base, `index${ext}`))];
    for (const candidate of candidates) {
      const file = this.byPath.get(candidate);
      if (file) return file;
    }
    return undefined;
  }
}

/** Through parentheses, `as`, `satisfies`, `<T>x` and `x!`. */
export function unwrap(expression: ts.Expression): ts.Expression {
  let current = expression;
  while (
    ts.isParenthesizedExpression(current) ||
    ts.isAsExpression(current) ||
    ts.isSatisfiesExpression(current) ||
    ts.isTypeAssertionExpression(current) ||
    ts.isNonNullExpression(current)
  ) {
    current = current.expression;
  }
  return current;
}

function bindsName(binding: ts.BindingName, name: string): boolean {
  if (ts.isIdentifier(binding)) return binding.text === name;
  return binding.elements.some((element) => !ts.isOmittedExpression(element) && bindsName(element.name, name));
}

/** The name `local` is imported under from this declaration (`default` for a default import). */
function importedName(statement: ts.ImportDeclaration, local: string): string | undefined {
  const clause = statement.importClause;
  if (!clause || clause.isTypeOnly) return undefined;
  if (clause.name?.text === local) return 'default';
  const bindings = clause.namedBindings;
  if (bindings && ts.isNamedImports(bindings)) {
    const element = bindings.elements.find((e) => e.name.text === local);
    if (element) return (element.propertyName ?? element.name).text;
  }
  if (bindings && ts.isNamespaceImport(bindings) && bindings.name.text === local) return '*';
  return undefined;
}
