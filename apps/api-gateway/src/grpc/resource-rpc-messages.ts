/**
 * The messages of `kastra.v1.ResourceService` (libs/api/proto/kastra/v1/resources.proto) as
 * @grpc/proto-loader hands them over: field names as in the .proto (keepCase), absent strings as ''.
 */
export interface ApplyRequest {
  manifest: string;
  field_manager: string;
  dry_run: boolean;
}

export interface GetRequest {
  kind: string;
  namespace: string;
  name: string;
}

export interface ListRequest {
  kind: string;
  namespace: string;
  label_selector: string;
  field_selector: string;
}

export interface DeleteRequest {
  kind: string;
  namespace: string;
  name: string;
  /** proto3 `optional`: undefined when the client left it out. */
  resource_version?: string;
}

export interface WatchRequest {
  kind: string;
  namespace: string;
  label_selector: string;
  resource_version: string;
}

export interface ResourceResponse {
  object_json: string;
}

export interface ListResponse {
  items_json: string[];
  resource_version: string;
}

export interface WatchEventMessage {
  type: string;
  object_json: string;
}
