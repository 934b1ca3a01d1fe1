export { KastraApiError, NotFoundError, NotReadyError, RunFailedError, ManifestSyntaxError, type MissingReference, type FieldCause } from './kastra-errors';
export { ValidationError } from '../language-model/validation-error';
export { errorFromStatus, type KubernetesStatus } from './status-errors';
