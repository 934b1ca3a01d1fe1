import { BadRequestError } from '@kastra/api';

type Requirement =
  | { op: 'exists' | 'notexists'; key: string }
  | { op: 'in' | 'notin'; key: string; values: string[] };

/** A parsed Kubernetes label selector: `a=b,c!=d,e in (f,g),f notin (x),!h,i`. */
export class LabelSelector {
  private constructor(private readonly requirements: Requirement[]) {}

  static parse(selector: string | undefined): LabelSelector {
    if (!selector?.trim()) return new LabelSelector([]);
    const parts: string[] = [];
    let depth = 0;
    let current = '';
    for (const ch of selector) {
      if (ch === '(') depth++;
      if (ch === ')') depth--;
      if (ch === ',' && depth === 0) {
        parts.push(current);
        current = '';
      } else current += ch;
    }
    parts.push(current);
    return new LabelSelector(parts.map((p) => parseRequirement(p.trim(), selector)));
  }

  matches(labels: Record<string, string> | undefined): boolean {
    const l = labels ?? {};
    return this.requirements.every((r) => {
      const has = Object.prototype.hasOwnProperty.call(l, r.key);
      switch (r.op) {
        case 'exists':
          return has;
        case 'notexists':
          return !has;
        case 'in':
          return has && r.values.includes(l[r.key]);
        case 'notin':
          return !has || !r.values.includes(l[r.key]);
      }
    });
  }
}

const SET = /^([A-Za-z0-9_.\-/]+)\s+(in|notin)\s+\(([^)]*)\)$/;
const EQUALITY = /^([A-Za-z0-9_.\-/]+)\s*(==|=|!=)\s*([A-Za-z0-9_.\-]*)$/;
const KEY = /^(!?)([A-Za-z0-9_.\-/]+)$/;

function parseRequirement(text: string, whole: string): Requirement {
  let m = SET.exec(text);
  if (m) return { op: m[2] as 'in' | 'notin', key: m[1], values: m[3].split(',').map((v) => v.trim()).filter((v) => v !== '') };
  m = EQUALITY.exec(text);
  if (m) return { op: m[2] === '!=' ? 'notin' : 'in', key: m[1], values: [m[3]] };
  m = KEY.exec(text);
  if (m) return { op: m[1] ? 'notexists' : 'exists', key: m[2] };
  throw new BadRequestError(`unable to parse requirement "${text}" of label selector "${whole}"`);
}

/** `metadata.name=x,metadata.namespace!=y`: the only field selectors Kastra (and kubectl) use. */
export function matchesFieldSelector(selector: string | undefined, meta: { name: string; namespace?: string }): boolean {
  if (!selector?.trim()) return true;
  return selector.split(',').every((part) => {
    const m = /^\s*([a-zA-Z.]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(part);
    if (!m) throw new BadRequestError(`unable to parse field selector "${selector}"`);
    const field = m[1];
    const actual = field === 'metadata.name' ? meta.name : field === 'metadata.namespace' ? meta.namespace ?? 'default' : undefined;
    if (actual === undefined) throw new BadRequestError(`field label not supported: ${field}`);
    return m[2] === '!=' ? actual !== m[3] : actual === m[3];
  });
}
