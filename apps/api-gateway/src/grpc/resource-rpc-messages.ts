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
  /**
   * int64: a decimal string (longs: String), '0' when absent. Both paging fields are optional here
   * only for in-process callers; grpc-js always hands them over.
   */
  limit?: string | number;
  continue?: string;
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
  /** '' on the last page. */
  continue: string;
  /** proto3 `optional` int64: left out when not counted (no next page, or selectors given). */
  remaining_item_count?: string;
}

export interface WatchEventMessage {
  type: string;
  object_json: string;
}
