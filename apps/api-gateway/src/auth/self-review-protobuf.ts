import { BadRequestError } from '@kastra/api';

/** kubectl sends built-in review types as Kubernetes protobuf: this media type, then `k8s\0` and a runtime.Unknown. */
export const KUBERNETES_PROTOBUF = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** The fields of one protobuf message: field number → its length-delimited values (other wire types skipped). */
type Fields = Map<number, Buffer[]>;

function readVarint(bytes: Buffer, at: { offset: number }): number {
  let value = 0;
  let shift = 0;
  for (;;) {
    if (at.offset >= bytes.length || shift > 49) throw new BadRequestError('the protobuf body is truncated or malformed');
    const byte = bytes[at.offset++];
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return value;
    shift += 7;
  }
}

function fieldsOf(bytes: Buffer): Fields {
  const fields: Fields = new Map();
  const at = { offset: 0 };
  while (at.offset < bytes.length) {
    const tag = readVarint(bytes, at);
    const [number, wireType] = [Math.floor(tag / 8), tag % 8];
    if (wireType === 0) readVarint(bytes, at);
    else if (wireType === 1) at.offset += 8;
    else if (wireType === 5) at.offset += 4;
    else if (wireType === 2) {
      const length = readVarint(bytes, at);
      if (at.offset + length > bytes.length) throw new BadRequestError('the protobuf body is truncated or malformed');
      fields.set(number, [...(fields.get(number) ?? []), bytes.subarray(at.offset, at.offset + length)]);
      at.offset += length;
    } else throw new BadRequestError('the protobuf body is truncated or malformed');
  }
  return fields;
}

const text = (fields: Fields, number: number): string => fields.get(number)?.[0]?.toString('utf8') ?? '';
const message = (fields: Fields, number: number): Fields | undefined => {
  const bytes = fields.get(number)?.[0];
  return bytes === undefined ? undefined : fieldsOf(bytes);
};

/** The object inside Kubernetes' protobuf envelope (runtime.Unknown.raw), with its kind. */
function unwrap(body: Buffer): { kind: string; object: Fields } {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC)) throw new BadRequestError('a Kubernetes protobuf body starts with k8s\\0');
  const unknown = fieldsOf(body.subarray(MAGIC.length));
  const typeMeta = message(unknown, 1);
  return { kind: typeMeta ? text(typeMeta, 2) : '', object: fieldsOf(unknown.get(2)?.[0] ?? Buffer.alloc(0)) };
}

/**
 * A SelfSubjectAccessReview or SelfSubjectRulesReview sent as protobuf, as the JSON object of the
 * same review (authorization/v1 generated.proto: spec = 2; ResourceAttributes namespace 1, verb 2,
 * group 3, version 4, resource 5, subresource 6, name 7; NonResourceAttributes path 1, verb 2;
 * SelfSubjectRulesReviewSpec namespace 1).
 */
export function reviewFromProtobuf(body: Buffer): Record<string, unknown> {
  const { kind, object } = unwrap(body);
  const spec = message(object, 2) ?? new Map();
  if (kind === 'SelfSubjectRulesReview') return { kind, spec: { namespace: text(spec, 1) } };
  const resource = message(spec, 1);
  const nonResource = message(spec, 2);
  return {
    kind,
    spec: {
      ...(resource
        ? {
            resourceAttributes: {
              namespace: text(resource, 1),
              verb: text(resource, 2),
              group: text(resource, 3),
              version: text(resource, 4),
              resource: text(resource, 5),
              subresource: text(resource, 6),
              name: text(resource, 7),
            },
          }
        : {}),
      ...(nonResource ? { nonResourceAttributes: { path: text(nonResource, 1), verb: text(nonResource, 2) } } : {}),
    },
  };
}
