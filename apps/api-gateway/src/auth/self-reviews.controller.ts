import { Controller, Post, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { BadRequestError } from '@kastra/api';
import { type AuthorizationAttributes, RbacAuthorizer } from '@kastra/rbac';
import { mediaTypeOf, parseObjectBody } from '../http/parse-manifest';
import type { RequestWithRawBody } from '../http/raw-body.middleware';
import { sendJson } from '../http/send-json';
import { principalOf, type AuthenticatedRequest } from './request-principal';
import { KUBERNETES_PROTOBUF, reviewFromProtobuf } from './self-review-protobuf';

type ReviewRequest = AuthenticatedRequest & RequestWithRawBody;

const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** A review as JSON or YAML, or as the protobuf kubectl sends for built-in types; answers are JSON, which kubectl accepts too. */
function reviewOf(req: ReviewRequest): Record<string, unknown> {
  if (mediaTypeOf(req.headers['content-type']) === KUBERNETES_PROTOBUF) return reviewFromProtobuf(req.rawBody ?? Buffer.alloc(0));
  return parseObjectBody(req.rawBody, req.headers['content-type']);
}

/**
 * The reviews a principal asks about itself, as the apiserver serves them: `kubectl auth can-i`
 * (SelfSubjectAccessReview, and SelfSubjectRulesReview for `--list`) and `kubectl auth whoami`
 * (SelfSubjectReview). Nothing is stored; the answer is the review with its status.
 */
@Controller('apis')
export class SelfReviewsController {
  constructor(private readonly authorizer: RbacAuthorizer) {}

  @Post('authorization.k8s.io/v1/selfsubjectaccessreviews')
  accessReview(@Req() req: ReviewRequest, @Res() res: Response): void {
    const review = reviewOf(req);
    const spec = asRecord(review.spec) ?? {};
    const resource = asRecord(spec.resourceAttributes);
    const nonResource = asRecord(spec.nonResourceAttributes);
    if (!resource === !nonResource) throw new BadRequestError('SelfSubjectAccessReview.authorization.k8s.io is invalid: spec: exactly one of nonResourceAttributes or resourceAttributes must be specified');
    const attributes: AuthorizationAttributes = resource
      ? {
          verb: text(resource.verb),
          apiGroup: text(resource.group),
          resource: text(resource.resource),
          subresource: text(resource.subresource),
          namespace: text(resource.namespace),
          name: text(resource.name),
        }
      : { verb: text(nonResource!.verb), path: text(nonResource!.path) };
    const decision = this.authorizer.authorize(principalOf(req), attributes);
    sendJson(res, 201, {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      metadata: { creationTimestamp: null },
      spec,
      status: { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) },
    });
  }

  @Post('authorization.k8s.io/v1/selfsubjectrulesreviews')
  rulesReview(@Req() req: ReviewRequest, @Res() res: Response): void {
    const review = reviewOf(req);
    const spec = asRecord(review.spec) ?? {};
    const rules = this.authorizer.rulesFor(principalOf(req), text(spec.namespace));
    const list = (values: string[] | undefined) => values ?? [];
    sendJson(res, 201, {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectRulesReview',
      metadata: { creationTimestamp: null },
      spec,
      status: {
        resourceRules: rules
          .filter((rule) => list(rule.resources).length > 0)
          .map((rule) => ({ verbs: rule.verbs, apiGroups: list(rule.apiGroups), resources: list(rule.resources), ...(rule.resourceNames?.length ? { resourceNames: rule.resourceNames } : {}) })),
        nonResourceRules: rules.filter((rule) => list(rule.nonResourceURLs).length > 0).map((rule) => ({ verbs: rule.verbs, nonResourceURLs: rule.nonResourceURLs })),
        incomplete: false,
      },
    });
  }

  @Post('authentication.k8s.io/v1/selfsubjectreviews')
  whoAmI(@Req() req: ReviewRequest, @Res() res: Response): void {
    const principal = principalOf(req);
    sendJson(res, 201, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
      metadata: { creationTimestamp: null },
      status: { userInfo: { username: principal.sub, groups: principal.groups } },
    });
  }
}
