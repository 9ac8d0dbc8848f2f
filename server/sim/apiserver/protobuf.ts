// Decoding of application/vnd.kubernetes.protobuf request bodies, which `kubectl create
// namespace|deployment|secret|configmap|serviceaccount|token`, `auth can-i|whoami`, `run` and `expose` send. The envelope is
// the magic "k8s\0" + runtime.Unknown{typeMeta, raw}; raw is the object's message. Field numbers
// follow k8s.io/api's generated.proto; only the kinds and fields those commands produce are
// described, anything else fails with a clear message instead of being misread.
import protobuf from 'protobufjs';
import { errors } from './status.ts';
import type { UntypedObject as Obj } from '../meta/untyped.ts';
import { BUILT_IN_KINDS } from './kinds/index.ts';
import { apiVersionOf } from './kinds/kind.ts';

const PROTO = `
syntax = "proto2";
package k8s;

message TypeMeta { optional string apiVersion = 1; optional string kind = 2; }
message Unknown { optional TypeMeta typeMeta = 1; optional bytes raw = 2; optional string contentEncoding = 3; optional string contentType = 4; }

message Time { optional int64 seconds = 1; optional int32 nanos = 2; }
message OwnerReference { optional string kind = 1; optional string name = 3; optional string uid = 4; optional string apiVersion = 5; optional bool controller = 6; optional bool blockOwnerDeletion = 7; }
message ObjectMeta {
  optional string name = 1; optional string generateName = 2; optional string namespace = 3; optional string selfLink = 4;
  optional string uid = 5; optional string resourceVersion = 6; optional int64 generation = 7;
  optional Time creationTimestamp = 8; optional Time deletionTimestamp = 9; optional int64 deletionGracePeriodSeconds = 10;
  map<string, string> labels = 11; map<string, string> annotations = 12;
  repeated OwnerReference ownerReferences = 13; repeated string finalizers = 14;
}
message LabelSelectorRequirement { optional string key = 1; optional string operator = 2; repeated string values = 3; }
message LabelSelector { map<string, string> matchLabels = 1; repeated LabelSelectorRequirement matchExpressions = 2; }
message IntOrString { optional int64 type = 1; optional int32 intVal = 2; optional string strVal = 3; }
message Quantity { optional string string = 1; }

message NamespaceSpec { repeated string finalizers = 1; }
message NamespaceStatus { optional string phase = 1; }
message Namespace { optional ObjectMeta metadata = 1; optional NamespaceSpec spec = 2; optional NamespaceStatus status = 3; }

message Secret { optional ObjectMeta metadata = 1; map<string, bytes> data = 2; optional string type = 3; map<string, string> stringData = 4; optional bool immutable = 5; }
message ConfigMap { optional ObjectMeta metadata = 1; map<string, string> data = 2; map<string, bytes> binaryData = 3; optional bool immutable = 4; }
message LocalObjectReference { optional string name = 1; }
message ObjectReference { optional string kind = 1; optional string namespace = 2; optional string name = 3; optional string uid = 4; optional string apiVersion = 5; optional string resourceVersion = 6; optional string fieldPath = 7; }
message ServiceAccount { optional ObjectMeta metadata = 1; repeated ObjectReference secrets = 2; repeated LocalObjectReference imagePullSecrets = 3; optional bool automountServiceAccountToken = 4; }

message ContainerPort { optional string name = 1; optional int32 hostPort = 2; optional int32 containerPort = 3; optional string protocol = 4; optional string hostIP = 5; }
message ObjectFieldSelector { optional string apiVersion = 1; optional string fieldPath = 2; }
message ConfigMapKeySelector { optional LocalObjectReference localObjectReference = 1; optional string key = 2; optional bool optional = 3; }
message SecretKeySelector { optional LocalObjectReference localObjectReference = 1; optional string key = 2; optional bool optional = 3; }
message EnvVarSource { optional ObjectFieldSelector fieldRef = 1; optional ConfigMapKeySelector configMapKeyRef = 3; optional SecretKeySelector secretKeyRef = 4; }
message EnvVar { optional string name = 1; optional string value = 2; optional EnvVarSource valueFrom = 3; }
message ResourceRequirements { map<string, Quantity> limits = 1; map<string, Quantity> requests = 2; }
message Container {
  optional string name = 1; optional string image = 2; repeated string command = 3; repeated string args = 4; optional string workingDir = 5;
  repeated ContainerPort ports = 6; repeated EnvVar env = 7; optional ResourceRequirements resources = 8;
  optional string terminationMessagePath = 13; optional string imagePullPolicy = 14;
  optional bool stdin = 16; optional bool stdinOnce = 17; optional bool tty = 18; optional string terminationMessagePolicy = 20;
}
message PodSecurityContext { optional int64 runAsUser = 5; optional int64 runAsGroup = 6; optional bool runAsNonRoot = 7; optional int64 fsGroup = 5000; }
message Toleration { optional string key = 1; optional string operator = 2; optional string value = 3; optional string effect = 4; optional int64 tolerationSeconds = 5; }
message PodSpec {
  repeated Container containers = 2; optional string restartPolicy = 3; optional int64 terminationGracePeriodSeconds = 4;
  optional int64 activeDeadlineSeconds = 5; optional string dnsPolicy = 6; map<string, string> nodeSelector = 7;
  optional string serviceAccountName = 8; optional string serviceAccount = 9; optional string nodeName = 10;
  optional bool hostNetwork = 11; optional PodSecurityContext securityContext = 14; repeated LocalObjectReference imagePullSecrets = 15;
  optional string hostname = 16; optional string subdomain = 17; optional string schedulerName = 19; repeated Container initContainers = 20;
  optional bool automountServiceAccountToken = 21; repeated Toleration tolerations = 22;
  optional int32 priority = 25; optional bool enableServiceLinks = 30;
}
message PodTemplateSpec { optional ObjectMeta metadata = 1; optional PodSpec spec = 2; }
message Pod { optional ObjectMeta metadata = 1; optional PodSpec spec = 2; }

message RollingUpdateDeployment { optional IntOrString maxUnavailable = 1; optional IntOrString maxSurge = 2; }
message DeploymentStrategy { optional string type = 1; optional RollingUpdateDeployment rollingUpdate = 2; }
message DeploymentSpec {
  optional int32 replicas = 1; optional LabelSelector selector = 2; optional PodTemplateSpec template = 3; optional DeploymentStrategy strategy = 4;
  optional int32 minReadySeconds = 5; optional int32 revisionHistoryLimit = 6; optional bool paused = 7; optional int32 progressDeadlineSeconds = 9;
}
message Deployment { optional ObjectMeta metadata = 1; optional DeploymentSpec spec = 2; }

message ServicePort { optional string name = 1; optional string protocol = 2; optional int32 port = 3; optional IntOrString targetPort = 4; optional int32 nodePort = 5; optional string appProtocol = 6; }
message ServiceSpec {
  repeated ServicePort ports = 1; map<string, string> selector = 2; optional string clusterIP = 3; optional string type = 4;
  repeated string externalIPs = 5; optional string sessionAffinity = 7; optional string loadBalancerIP = 8; optional string externalName = 10;
  optional string externalTrafficPolicy = 11; optional bool publishNotReadyAddresses = 13;
  optional string ipFamilyPolicy = 17; repeated string clusterIPs = 18; repeated string ipFamilies = 19; optional bool allocateLoadBalancerNodePorts = 20;
  optional string internalTrafficPolicy = 22;
}
message Service { optional ObjectMeta metadata = 1; optional ServiceSpec spec = 2; }
message ResourceQuotaSpec { map<string, Quantity> hard = 1; repeated string scopes = 2; }
message ResourceQuota { optional ObjectMeta metadata = 1; optional ResourceQuotaSpec spec = 2; }

message PolicyRule { repeated string verbs = 1; repeated string apiGroups = 2; repeated string resources = 3; repeated string resourceNames = 4; repeated string nonResourceURLs = 5; }
message Role { optional ObjectMeta metadata = 1; repeated PolicyRule rules = 2; }
message ClusterRole { optional ObjectMeta metadata = 1; repeated PolicyRule rules = 2; }
message Subject { optional string kind = 1; optional string apiGroup = 2; optional string name = 3; optional string namespace = 4; }
message RoleRef { optional string apiGroup = 1; optional string kind = 2; optional string name = 3; }
message RoleBinding { optional ObjectMeta metadata = 1; repeated Subject subjects = 2; optional RoleRef roleRef = 3; }

message BoundObjectReference { optional string kind = 1; optional string apiVersion = 2; optional string name = 3; optional string uid = 4; }
message TokenRequestSpec { repeated string audiences = 1; optional BoundObjectReference boundObjectRef = 3; optional int64 expirationSeconds = 4; }
message TokenRequest { optional ObjectMeta metadata = 1; optional TokenRequestSpec spec = 2; }

message ResourceAttributes { optional string namespace = 1; optional string verb = 2; optional string group = 3; optional string version = 4; optional string resource = 5; optional string subresource = 6; optional string name = 7; }
message NonResourceAttributes { optional string path = 1; optional string verb = 2; }
message SelfSubjectAccessReviewSpec { optional ResourceAttributes resourceAttributes = 1; optional NonResourceAttributes nonResourceAttributes = 2; }
message SelfSubjectAccessReview { optional ObjectMeta metadata = 1; optional SelfSubjectAccessReviewSpec spec = 2; }
message SelfSubjectRulesReviewSpec { optional string namespace = 1; }
message SelfSubjectRulesReview { optional ObjectMeta metadata = 1; optional SelfSubjectRulesReviewSpec spec = 2; }
message SelfSubjectReview { optional ObjectMeta metadata = 1; }

message Preconditions { optional string uid = 1; optional string resourceVersion = 2; }
message DeleteOptions { optional int64 gracePeriodSeconds = 1; optional Preconditions preconditions = 2; optional bool orphanDependents = 3; optional string propagationPolicy = 4; repeated string dryRun = 5; }
`;

const root = protobuf.parse(PROTO, { keepCase: true }).root;
const Unknown = root.lookupType('k8s.Unknown');

/** apiVersion/kind → message type; everything else is refused rather than misread. */
const MESSAGES: Record<string, string> = {
  'v1/Namespace': 'k8s.Namespace',
  'v1/Secret': 'k8s.Secret',
  'v1/ConfigMap': 'k8s.ConfigMap',
  'v1/ServiceAccount': 'k8s.ServiceAccount',
  'v1/Pod': 'k8s.Pod',
  'v1/Service': 'k8s.Service',
  'v1/ResourceQuota': 'k8s.ResourceQuota',
  'apps/v1/Deployment': 'k8s.Deployment',
  'rbac.authorization.k8s.io/v1/Role': 'k8s.Role',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'k8s.ClusterRole',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'k8s.RoleBinding',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'k8s.RoleBinding',
  'authentication.k8s.io/v1/TokenRequest': 'k8s.TokenRequest',
  'authentication.k8s.io/v1/SelfSubjectReview': 'k8s.SelfSubjectReview',
  'authorization.k8s.io/v1/SelfSubjectAccessReview': 'k8s.SelfSubjectAccessReview',
  'authorization.k8s.io/v1/SelfSubjectRulesReview': 'k8s.SelfSubjectRulesReview',
  // DELETE bodies (helm sends these as protobuf).
  'meta.k8s.io/v1/DeleteOptions': 'k8s.DeleteOptions',
  'v1/DeleteOptions': 'k8s.DeleteOptions',
};

/** Pointer fields in the Go types, where zero and false are real values and must survive. */
const POINTER_FIELDS = new Set(['gracePeriodSeconds', 'orphanDependents', 'replicas', 'terminationGracePeriodSeconds', 'activeDeadlineSeconds', 'revisionHistoryLimit', 'progressDeadlineSeconds', 'priority', 'tolerationSeconds', 'runAsUser', 'runAsGroup', 'fsGroup', 'runAsNonRoot', 'automountServiceAccountToken', 'enableServiceLinks', 'allocateLoadBalancerNodePorts', 'immutable', 'optional', 'controller', 'blockOwnerDeletion', 'deletionGracePeriodSeconds', 'expirationSeconds']);

// The kinds declared in kinds/ bring their messages, written against the shared ones above.
for (const t of BUILT_IN_KINDS) {
  const pb = t.strategy?.protobuf;
  if (!pb) continue;
  protobuf.parse(`syntax = "proto2";\npackage k8s;\n${pb.proto}`, root, { keepCase: true });
  for (const v of t.versions) MESSAGES[`${apiVersionOf(t.group, v)}/${t.kind}`] = `k8s.${pb.message}`;
  for (const f of pb.pointerFields ?? []) POINTER_FIELDS.add(f);
}

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** Turns protobuf-shaped values into their JSON forms: IntOrString, Quantity, Time, int64. */
function toJsonShape(v: unknown, key = ''): unknown {
  if (Array.isArray(v)) return v.map((x) => toJsonShape(x));
  if (v === null || typeof v !== 'object') return v;
  const o = v as Obj;
  if (key === 'maxUnavailable' || key === 'maxSurge' || key === 'targetPort') {
    return Number(o.type ?? 0) === 1 ? (o.strVal ?? '') : Number(o.intVal ?? 0);
  }
  if (key === 'creationTimestamp' || key === 'deletionTimestamp') {
    const s = Number(o.seconds ?? 0);
    return s === 0 ? undefined : new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  if (key === 'limits' || key === 'requests' || key === 'hard') {
    return Object.fromEntries(Object.entries(o).map(([k, q]) => [k, (q as Obj)?.string ?? '']));
  }
  const out: Obj = {};
  for (const [k, val] of Object.entries(o)) {
    const converted = toJsonShape(val, k);
    if (converted === undefined || isOmittedZero(k, converted)) continue;
    out[k] = converted;
  }
  return out;
}


/** gogo-protobuf writes every non-pointer scalar; JSON's omitempty drops zero values. */
function isOmittedZero(key: string, v: unknown): boolean {
  if (POINTER_FIELDS.has(key)) return false;
  return v === '' || v === 0 || v === false;
}

function fixSelectors(o: Obj): void {
  // metav1 protobuf nests LocalObjectReference; JSON inlines its name.
  for (const env of [...(o.spec?.containers ?? []), ...(o.spec?.template?.spec?.containers ?? [])].flatMap((c: Obj) => c.env ?? [])) {
    for (const ref of [env.valueFrom?.configMapKeyRef, env.valueFrom?.secretKeyRef]) {
      if (ref?.localObjectReference) {
        ref.name = ref.localObjectReference.name;
        delete ref.localObjectReference;
      }
    }
  }
}

export function decodeProtobufObject(body: Buffer): unknown {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw errors.badRequest('provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]');
  let envelope: Obj;
  try {
    envelope = Unknown.toObject(Unknown.decode(body.subarray(4)), { bytes: Buffer, longs: Number }) as Obj;
  } catch (err) {
    throw errors.badRequest(`unable to decode protobuf envelope: ${(err as Error).message}`);
  }
  const apiVersion = String(envelope.typeMeta?.apiVersion ?? '');
  const kind = String(envelope.typeMeta?.kind ?? '');
  const messageName = MESSAGES[`${apiVersion}/${kind}`];
  if (!messageName) {
    throw errors.unsupportedMediaType(`application/vnd.kubernetes.protobuf: this cluster reads ${kind || 'this kind'} only as JSON or YAML; write it in a manifest and use kubectl apply -f`);
  }
  const type = root.lookupType(messageName);
  let decoded: Obj;
  try {
    decoded = type.toObject(type.decode((envelope.raw as Buffer | undefined) ?? Buffer.alloc(0)), { bytes: String, longs: Number, defaults: false, arrays: false, objects: false }) as Obj;
  } catch (err) {
    throw errors.badRequest(`unable to decode ${kind} from protobuf: ${(err as Error).message}`);
  }
  const obj = toJsonShape(decoded) as Obj;
  fixSelectors(obj);
  return { apiVersion, kind, ...obj };
}
