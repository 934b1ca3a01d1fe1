import { Lexer } from 'yaml';
import { MAX_NESTING_DEPTH } from '@kastra/api';

/**
 * How many times a document may use its anchors, weighted by what each expands to (the `yaml`
 * package's `maxAliasCount`): enough for manifests that share a block, far too few for a
 * "billion laughs" document.
 */
export const YAML_MAX_ALIAS_COUNT = 100;

/**
 * Whether YAML text opens more than `limit` flow collections (`[`, `{`) inside one another,
 * read from the lexer's tokens (quoted and block scalars are single tokens, so their brackets do
 * not count). The parser itself slows superlinearly with flow depth (a million levels: ~18 s),
 * so this runs first and stops at the first level past `limit`. Block nesting costs a line of
 * indentation per level and is measured on the parsed value instead.
 */
export function yamlTextNestsDeeperThan(text: string, limit = MAX_NESTING_DEPTH): boolean {
  let depth = 0;
  for (const token of new Lexer().lex(text)) {
    if (token === '[' || token === '{') {
      if (++depth > limit) return true;
    } else if (token === ']' || token === '}') {
      depth--;
    }
  }
  return false;
}
