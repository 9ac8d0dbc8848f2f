// What a built-in kind is to the API server, declared in one place, as the real API server's
// registry does with a rest.RESTCreateStrategy / RESTUpdateStrategy per kind
// (k8s.io/apiserver/pkg/registry/rest): the resource discovery serves, and the strategy the one
// generic store path (rest-handlers.ts) calls for every write and read. Each file beside this one
// declares a kind; index.ts lists them. This module is a leaf: the generic code imports it, and a
// kind's file imports the building blocks (schema.ts, validation.ts, tables.ts, ...) it needs.
import type { AdmissionPlugin } from '../admission.ts';
import type { KubeObject, ObjectStore } from '../../store/object-store.ts';
import type { ResourceType } from '../resources.ts';
import type { Schema } from '../schema.ts';
import type { StatusCause } from '../status.ts';
import type { Printer } from '../tables.ts';

/** The store key: "pods", "apps/deployments", "networking.istio.io/gateways". */
export function storeKey(type: { group: string; resource: string }): string {
  return type.group ? `${type.group}/${type.resource}` : type.resource;
}

export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export type NameRule = 'label' | 'subdomain' | 'dns1035';

/** What a kind's controller is given: the store, and the cluster's pod admission for pods it creates. */
export interface KindControllerContext {
  store: ObjectStore;
  /** Defaults and mutating/validating admission for a pod about to be created (throws when denied). */
  admitPod(pod: KubeObject, namespace: KubeObject | undefined): void;
  /** Records an Event about an object, as the controller named by `component`. */
  event(component: string, about: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void;
  now(): Date;
}

export interface KindController {
  start(): void;
  stop(): void;
  idle(): Promise<void>;
}

/**
 * The per-kind behaviour, every part optional: a kind without defaults has none, one without a
 * printer prints Name and Created At, and so on. `T` is the kind's object type.
 */
export interface KindStrategy<T extends KubeObject = KubeObject> {
  /** The fields the kind knows, for strict field validation and pruning. */
  schema?: Schema;
  /** metadata.name's rule (ValidateObjectMeta's name function); DNS-1123 subdomain by default. */
  nameRule?: NameRule;
  /** Whether metadata.generation is kept (the strategy bumps it on spec changes). */
  tracksGeneration?: boolean;
  /** SetDefaults_*: on create and update, and again after mutating admission. */
  defaults?(obj: T): void;
  /** PrepareForCreate: the status a new object starts with. */
  prepareForCreate?(obj: T): void;
  /** PrepareForUpdate: what an update may not keep (fields that stop applying, say). */
  prepareForUpdate?(obj: T, old: T): void;
  /** Validate: every cause that makes the object invalid. */
  validate?(obj: T): StatusCause[];
  /** ValidateUpdate: immutable fields and allowed transitions. */
  validateUpdate?(obj: T, old: T): StatusCause[];
  /** The server-side printer (pkg/printers/internalversion's columns and cells). */
  printer?: Printer<T>;
  /** Field labels a field selector may use besides metadata.name and metadata.namespace (GetAttrs), with their values. */
  fieldLabels?: Record<string, (obj: T) => string>;
  /**
   * The protobuf messages kubectl's create commands send: proto2 text in package k8s (it may use
   * the shared messages of protobuf.ts: ObjectMeta, LabelSelector, PodTemplateSpec, ...), the
   * kind's message, and the Go pointer fields whose zero values must survive decoding.
   */
  protobuf?: { proto: string; message: string; pointerFields?: string[] };
  /** Admission of the kind's own (a built-in admission plugin that acts on this kind alone). */
  admission?: Omit<AdmissionPlugin, 'name'> & { name: string };
  /** The kind's controller, started with the cluster's controllers. */
  controller?(ctx: KindControllerContext): KindController;
}

export interface KindDeclaration<T extends KubeObject> extends KindStrategy<T> {
  group: string;
  /** Served versions, preferred first; the first is the storage version. */
  versions: string[];
  resource: string;
  kind: string;
  namespaced: boolean;
  singular?: string;
  shortNames?: string[];
  categories?: string[];
  verbs?: string[];
  subresources?: string[];
}

/** A built-in kind: the resource type discovery serves, carrying its strategy. */
export function defineKind<T extends KubeObject>(d: KindDeclaration<T>): ResourceType {
  const { group, versions, resource, kind, namespaced, singular, shortNames, categories, verbs, subresources, ...strategy } = d;
  return {
    group,
    versions,
    storageVersion: versions[0]!,
    resource,
    singular: singular ?? kind.toLowerCase(),
    kind,
    namespaced,
    shortNames: shortNames ?? [],
    categories: categories ?? [],
    verbs: verbs ?? ALL_VERBS,
    subresources: subresources ?? [],
    // The one place a stored object becomes its kind's type: the store path hands each strategy
    // only objects of its own kind.
    strategy: strategy as unknown as KindStrategy,
  };
}
