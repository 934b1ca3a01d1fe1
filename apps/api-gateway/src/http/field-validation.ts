import type { Response } from 'express';
import { InvalidError, pruneUnknownFields, type KindDefinition, type Resource } from '@kastra/api';
import type { FieldValidation } from './request-query';

/**
 * What one write does with fields its kind does not declare, as `fieldValidation` says (as the
 * apiserver does): Strict refuses them (422 naming each), Warn drops them and answers with a
 * `Warning` header each, Ignore drops them. Without this they were dropped silently, or refused
 * even under Ignore.
 */
export class FieldValidator {
  private readonly warnings = new Set<string>();

  constructor(readonly mode: FieldValidation) {}

  /** The manifest as it will be written; throws InvalidError under Strict. `servedAs`: the URL's kind (its version's schema). */
  check(manifest: Resource, servedAs?: KindDefinition): Resource {
    const { object, unknownFields } = pruneUnknownFields(manifest, servedAs);
    if (unknownFields.length === 0) return manifest;
    if (this.mode === 'Strict') throw new InvalidError(manifest.kind, manifest.metadata?.name ?? '', unknownFields);
    if (this.mode === 'Warn') for (const cause of unknownFields) this.warnings.add(`unknown field ${JSON.stringify(cause.field)}`);
    return object;
  }

  /** Kubernetes warnings: `Warning: 299 - "text"`, one header value each (kubectl prints them). */
  sendWarnings(res: Response): void {
    for (const warning of this.warnings) res.append('Warning', `299 - ${quoteHeaderText(warning)}`);
  }
}

/** A quoted string that is a valid header value: characters outside printable ASCII escaped. */
function quoteHeaderText(text: string): string {
  return JSON.stringify(text).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
