// Admission, as in a real API server: mutating plugins (e.g. Istio's sidecar injector) run
// before validating ones (e.g. Istio's validation webhook), for create and update requests.
import type { GroupResource, KubeObject } from '../store/object-store.ts';

export type AdmissionOperation = 'CREATE' | 'UPDATE';

export interface AdmissionRequest {
  resource: GroupResource;
  operation: AdmissionOperation;
  object: KubeObject;
  oldObject?: KubeObject;
  /** Namespace object of the request's namespace, if any (injection reads its labels). */
  namespaceObject?: KubeObject;
  dryRun: boolean;
}

/** A denial is returned to the client as a real webhook denial would be. */
export interface AdmissionDenial {
  /** The webhook name, e.g. "validation.istio.io". */
  webhook: string;
  message: string;
  /** HTTP status; webhooks deny with 400 by default (kubectl prints "Error from server (BadRequest)"). */
  code?: number;
}

export interface AdmissionPlugin {
  readonly name: string;
  /** Mutate in place; return nothing. */
  mutate?(request: AdmissionRequest): void;
  /** Return a denial to reject the request. */
  validate?(request: AdmissionRequest): AdmissionDenial | undefined;
}
